using Microsoft.ML;
using Microsoft.ML.Data;

namespace Sta.MLNet;

/// <summary>Column names of <see cref="PhotoMotionClipDataView"/>.</summary>
internal static class PhotoMotionColumns
{
    /// <summary>CLIP-normalised clip, Vector&lt;Single&gt; [T, 3, S, S] (the StA network input).</summary>
    public const string Clip = "Clip";

    /// <summary>68 dlib points per frame in crop pixel coordinates, Vector&lt;Single&gt; [T, 68, 2] (x, y).</summary>
    public const string Landmarks = "Landmarks";

    /// <summary>Boolean, always false: the photos show real faces.</summary>
    public const string Label = "Label";

    /// <summary>Text, the <see cref="PhotoVideo.VideoId"/> of the row's video.</summary>
    public const string VideoId = "VideoId";
}

/// <summary>
/// An <see cref="IDataView"/> of real-face clips made from still photos by <see cref="PhotoMotionClipGenerator"/>: one
/// row per clip of every <see cref="PhotoVideo"/> (videos in the given order, clips in order), with the columns of
/// <see cref="PhotoMotionColumns"/>. Nothing is rendered up front: a cursor renders a row's clip (camera frames, face
/// detection, landmarks, alignment) when its Clip or Landmarks getter is first called for that row, into buffers it
/// reuses, so memory stays flat however many rows there are and a cursor over Label/VideoId renders nothing.
/// <see cref="CanShuffle"/> is true: a cursor given a <see cref="Random"/> visits the rows in a shuffled order without
/// holding any of them. Row ids are the row indices. Create it with
/// <see cref="StaCatalog.LoadPhotoMotionClips(MLContext, IEnumerable{PhotoVideo}, PhotoMotionOptions?)"/>.
/// </summary>
internal sealed class PhotoMotionClipDataView : IDataView
{
    private readonly (PhotoVideo Video, int Clip)[] _rows;

    /// <param name="videos">The videos; each contributes <see cref="PhotoVideo.ClipCount"/> rows.</param>
    /// <param name="options">Generation settings; defaults as documented on <see cref="PhotoMotionOptions"/>.</param>
    /// <exception cref="FileNotFoundException">A photo does not exist.</exception>
    /// <exception cref="FaceModelNotFoundException">A face model file is missing.</exception>
    public PhotoMotionClipDataView(IEnumerable<PhotoVideo> videos, PhotoMotionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(videos);
        Options = options ?? new PhotoMotionOptions();
        Options.Validate();
        FaceModelPaths.RequireFile(Options.DetectorModelPath, "OpenCV cascade");
        FaceModelPaths.RequireFile(Options.ShapePredictorPath, "dlib shape predictor");
        var rows = new List<(PhotoVideo, int)>();
        foreach (var video in videos)
        {
            ArgumentNullException.ThrowIfNull(video, nameof(videos));
            if (video.ClipCount <= 0) throw new ArgumentOutOfRangeException(nameof(videos), video.ClipCount, $"Video '{video.VideoId}' needs at least one clip.");
            if (!File.Exists(video.PhotoPath)) throw new FileNotFoundException($"Photo of video '{video.VideoId}' not found: {video.PhotoPath}", video.PhotoPath);
            for (var k = 0; k < video.ClipCount; k++) rows.Add((video, k));
        }
        _rows = [.. rows];
        Videos = _rows.Select(r => r.Video).Distinct().ToList();

        var builder = new DataViewSchema.Builder();
        builder.AddColumn(PhotoMotionColumns.Clip, new VectorDataViewType(NumberDataViewType.Single, Options.FrameCount, 3, Options.FaceSize, Options.FaceSize));
        builder.AddColumn(PhotoMotionColumns.Landmarks, new VectorDataViewType(NumberDataViewType.Single, Options.FrameCount, VideoBlendOptions.LandmarkCount, 2));
        builder.AddColumn(PhotoMotionColumns.Label, BooleanDataViewType.Instance);
        builder.AddColumn(PhotoMotionColumns.VideoId, TextDataViewType.Instance);
        Schema = builder.ToSchema();
    }

    /// <summary>The generation settings.</summary>
    public PhotoMotionOptions Options { get; }

    /// <summary>The videos, in row order.</summary>
    public IReadOnlyList<PhotoVideo> Videos { get; }

    /// <summary>The video and clip index of row <paramref name="row"/>.</summary>
    public (PhotoVideo Video, int ClipIndex) RowSource(long row) => _rows[row];

    public bool CanShuffle => true;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _rows.Length;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var order = Enumerable.Range(0, _rows.Length).ToArray();
        rand?.Shuffle(order);
        return new Cursor(this, order, columnsNeeded);
    }

    /// <summary>One cursor: rendering dominates and a single cursor keeps the row order a pure function of the
    /// <see cref="Random"/>; parallel consumers split the work downstream.</summary>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly PhotoMotionClipDataView _parent;
        private readonly int[] _order;
        private readonly bool[] _active;
        private PhotoMotionClipGenerator? _generator;
        private byte[] _rgb = [];
        private float[] _landmarks = [];
        private long _position = -1;
        private long _renderedPosition = -1;

        public Cursor(PhotoMotionClipDataView parent, int[] order, IEnumerable<DataViewSchema.Column> columnsNeeded)
        {
            _parent = parent;
            _order = order;
            _active = new bool[parent.Schema.Count];
            foreach (var column in columnsNeeded) _active[column.Index] = true;
        }

        public override DataViewSchema Schema => _parent.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

        public override bool MoveNext()
        {
            if (_position + 1 >= _order.Length)
            {
                _position = _order.Length;
                return false;
            }
            _position++;
            return true;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId value) =>
        {
            EnsureOnRow();
            value = new DataViewRowId((ulong)_order[_position], 0);
        };

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!_active[column.Index]) throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor.");
            Delegate getter = column.Name switch
            {
                PhotoMotionColumns.Clip => (ValueGetter<VBuffer<float>>)GetClip,
                PhotoMotionColumns.Landmarks => (ValueGetter<VBuffer<float>>)GetLandmarks,
                PhotoMotionColumns.Label => (ValueGetter<bool>)((ref bool value) => { EnsureOnRow(); value = false; }),
                PhotoMotionColumns.VideoId => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> value) =>
                {
                    EnsureOnRow();
                    value = _parent._rows[_order[_position]].Video.VideoId.AsMemory();
                }),
                _ => throw new ArgumentOutOfRangeException(nameof(column), column.Name, "Unknown column."),
            };
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}; a getter of {typeof(TValue).Name} was requested.");
        }

        private void GetClip(ref VBuffer<float> value)
        {
            Render();
            var options = _parent.Options;
            var editor = VBufferEditor.Create(ref value, _rgb.Length);
            ClipNormalization.Normalize(_rgb, editor.Values, options.FrameCount, options.FaceSize, options.FaceSize);
            value = editor.Commit();
        }

        private void GetLandmarks(ref VBuffer<float> value)
        {
            Render();
            var editor = VBufferEditor.Create(ref value, _landmarks.Length);
            _landmarks.CopyTo(editor.Values);
            value = editor.Commit();
        }

        private void Render()
        {
            EnsureOnRow();
            if (_renderedPosition == _position) return;
            _generator ??= new PhotoMotionClipGenerator(_parent.Options);
            if (_rgb.Length == 0)
            {
                _rgb = new byte[_generator.ClipLength];
                _landmarks = new float[_generator.LandmarksLength];
            }
            var (video, clip) = _parent._rows[_order[_position]];
            _renderedPosition = -1;
            _generator.Render(video, clip, _rgb, _landmarks);
            _renderedPosition = _position;
        }

        private void EnsureOnRow()
        {
            if (_position < 0 || _position >= _order.Length)
                throw new InvalidOperationException("The cursor is not on a row: call MoveNext first and stop when it returns false.");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _generator?.Dispose();
                _generator = null;
            }
            base.Dispose(disposing);
        }
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;

namespace Sta.MLNet;

/// <summary>
/// Training data with Video-level Blending fakes (docs/design.md, "Video-level Blending"; mode (a)/(b) of "Video-level Blending choices" as a data operation): every input row,
/// and right after each real row (label false) selected by <see cref="VideoBlendingDataOptions.Ratio"/> a synthetic
/// twin: label true, clip = the VB clip of the real clip (denormalised to the exact bytes, blended by
/// <see cref="VideoBlender"/> with draws keyed by (seed, row key), normalised again), video id = prefix + source id,
/// every other column copied from the source. Two columns are appended: IsSynthetic (Boolean) and SourceRowId (Int64,
/// the source row's clip key). A value the blend leaves unchanged keeps the source's exact float, so a twin differs
/// from its source only where a feature mask moved a pixel.
/// </summary>
/// <remarks>
/// Lazy: a twin's clip is blended when its getter is read, into the caller's buffer; nothing is held between rows, so
/// memory stays flat. Deterministic for a seed, whatever the cursor or thread. <see cref="CanShuffle"/> follows the
/// input; a shuffled cursor still puts each twin right after its source. A training-time operation only: it is never
/// a stage of a saved inference model. Create it with
/// <see cref="StaCatalog.AddVideoBlendedFakes(MLContext, IDataView, VideoBlendingDataOptions?)"/>.
/// </remarks>
internal sealed class VideoBlendedFakesDataView : IDataView
{
    private const long RatioPurpose = 0x5652; // "VR"
    private readonly IDataView _input;
    private readonly VideoBlendingDataOptions _options;
    private readonly VideoBlendOptions _blend;
    private readonly DataViewSchema.Column _clip;
    private readonly DataViewSchema.Column _landmarks;
    private readonly DataViewSchema.Column _label;
    private readonly DataViewSchema.Column? _videoId;
    private readonly int _frames, _height, _width;

    /// <exception cref="ArgumentOutOfRangeException">A needed column is missing or has the wrong type (as ML.NET
    /// reports schema errors).</exception>
    public VideoBlendedFakesDataView(IDataView input, VideoBlendingDataOptions? options = null)
    {
        _input = input ?? throw new ArgumentNullException(nameof(input));
        _options = options ?? new VideoBlendingDataOptions();
        _options.Validate();
        var schema = input.Schema;
        _clip = Column(schema, _options.ClipColumnName);
        if (_clip.Type is not VectorDataViewType { ItemType: var clipItem, Dimensions: { Length: 4 } dims } || clipItem != NumberDataViewType.Single
            || dims[1] != 3 || dims.Any(d => d <= 0))
            throw new ArgumentOutOfRangeException(nameof(input),
                $"Schema mismatch for input column '{_options.ClipColumnName}': expected Vector<Single> with dimensions [T, 3, H, W], got {_clip.Type}.");
        (_frames, _height, _width) = (dims[0], dims[2], dims[3]);
        _landmarks = Column(schema, _options.LandmarksColumnName);
        if (_landmarks.Type is not VectorDataViewType { ItemType: var pointItem } landmarkType || pointItem != NumberDataViewType.Single
            || (landmarkType.Size > 0 && (landmarkType.Size % (2 * _frames) != 0 || landmarkType.Size / (2 * _frames) < VideoBlendOptions.LandmarkCount)))
            throw new ArgumentOutOfRangeException(nameof(input),
                $"Schema mismatch for input column '{_options.LandmarksColumnName}': expected Vector<Single> [{_frames}, 68 or more points, 2], got {_landmarks.Type}.");
        _label = Column(schema, _options.LabelColumnName);
        if (!(_label.Type is BooleanDataViewType || _label.Type == NumberDataViewType.Single || _label.Type == NumberDataViewType.Double))
            throw new ArgumentOutOfRangeException(nameof(input),
                $"Schema mismatch for input column '{_options.LabelColumnName}': expected Boolean, Single or Double, got {_label.Type}.");
        if (_options.VideoIdColumnName is { } videoName && schema.GetColumnOrNull(videoName) is { Type: TextDataViewType } video)
            _videoId = video;
        if (_options.BlendOptions is null && Math.Min(_height, _width) < 32)
            throw new ArgumentException($"Clips of {_height}x{_width} pixels are too small for the default VB mask constants (32 px or more); set BlendOptions explicitly.", nameof(options));
        _blend = _options.BlendOptions ?? VideoBlendOptions.ForFaceSize(Math.Min(_height, _width));

        var builder = new DataViewSchema.Builder();
        builder.AddColumns(schema);
        builder.AddColumn(_options.IsSyntheticColumnName, BooleanDataViewType.Instance);
        builder.AddColumn(_options.SourceRowIdColumnName, NumberDataViewType.Int64);
        Schema = builder.ToSchema();
    }

    /// <summary>The 64-bit clip key of an input row id: keys the blend draws and fills SourceRowId.</summary>
    public static long ClipKey(DataViewRowId id) => (long)(id.Low ^ (id.High * 0x9E3779B97F4A7C15UL));

    public bool CanShuffle => _input.CanShuffle;

    public DataViewSchema Schema { get; }

    /// <summary>Unknown: the number of twins depends on the labels, which are read only by cursors.</summary>
    public long? GetRowCount() => null;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = Active(columnsNeeded);
        return new Cursor(this, _input.GetRowCursor(InputColumns(active), rand), active);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var active = Active(columnsNeeded);
        return [.. _input.GetRowCursorSet(InputColumns(active), n, rand).Select(c => (DataViewRowCursor)new Cursor(this, c, active))];
    }

    private bool[] Active(IEnumerable<DataViewSchema.Column> columnsNeeded)
    {
        var active = new bool[Schema.Count];
        foreach (var column in columnsNeeded) active[column.Index] = true;
        return active;
    }

    /// <summary>The input columns a cursor needs: the active ones, the label (to find real rows), and for the clip
    /// the landmarks it is blended with.</summary>
    private List<DataViewSchema.Column> InputColumns(bool[] active)
    {
        var inputCount = _input.Schema.Count;
        var needed = new HashSet<int> { _label.Index };
        for (var i = 0; i < inputCount; i++)
            if (active[i]) needed.Add(i);
        if (active[_clip.Index]) needed.Add(_landmarks.Index);
        return [.. needed.Order().Select(i => _input.Schema[i])];
    }

    private static DataViewSchema.Column Column(DataViewSchema schema, string name) =>
        schema.GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(nameof(schema), $"Could not find input column '{name}'.");

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly VideoBlendedFakesDataView _parent;
        private readonly DataViewRowCursor _input;
        private readonly bool[] _active;
        private readonly Func<bool> _isFake;
        private readonly ValueGetter<DataViewRowId> _inputId;
        private NormalizedClipBlender? _blender;
        private VBuffer<float> _sourceClip;
        private VBuffer<float> _sourceLandmarks;
        private long _position = -1;
        private bool _synthetic;
        private bool _twinPending;
        private bool _done;

        public Cursor(VideoBlendedFakesDataView parent, DataViewRowCursor input, bool[] active)
        {
            _parent = parent;
            _input = input;
            _active = active;
            _inputId = input.GetIdGetter();
            _isFake = MLNet.BinaryLabel.CreateReader(input, input.Schema[parent._label.Index]);
        }

        public override DataViewSchema Schema => _parent.Schema;

        public override long Position => _position;

        public override long Batch => _input.Batch;

        public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

        public override bool MoveNext()
        {
            if (_done) return false;
            if (_twinPending)
            {
                _twinPending = false;
                _synthetic = true;
                _position++;
                return true;
            }
            if (!_input.MoveNext())
            {
                _done = true;
                return false;
            }
            _synthetic = false;
            _position++;
            var options = _parent._options;
            if (!_isFake() && options.Ratio > 0)
                _twinPending = options.Ratio >= 1 ||
                    new StableRandom((ulong)options.Seed, SourceKey(), 0, RatioPurpose).NextDouble() < options.Ratio;
            return true;
        }

        private long SourceKey()
        {
            DataViewRowId id = default;
            _inputId(ref id);
            return ClipKey(id);
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId value) =>
        {
            _inputId(ref value);
            // A twin needs an id distinct from its source's and from every other row's.
            if (_synthetic) value = value.Fork();
        };

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!_active[column.Index]) throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor.");
            var parent = _parent;
            var inputCount = parent._input.Schema.Count;
            Delegate getter;
            if (column.Index == inputCount)
                getter = (ValueGetter<bool>)((ref bool value) => value = _synthetic);
            else if (column.Index == inputCount + 1)
                getter = (ValueGetter<long>)((ref long value) => value = SourceKey());
            else if (column.Index == parent._clip.Index)
                getter = ClipGetter();
            else if (column.Index == parent._label.Index)
                getter = LabelGetter(column);
            else if (parent._videoId is { } video && column.Index == video.Index)
                getter = VideoIdGetter();
            else
                getter = _input.GetGetter<TValue>(_input.Schema[column.Index]);
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}; a getter of {typeof(TValue).Name} was requested.");
        }

        private ValueGetter<VBuffer<float>> ClipGetter()
        {
            var source = _input.GetGetter<VBuffer<float>>(_input.Schema[_parent._clip.Index]);
            var landmarks = _input.GetGetter<VBuffer<float>>(_input.Schema[_parent._landmarks.Index]);
            return (ref VBuffer<float> value) =>
            {
                if (!_synthetic)
                {
                    source(ref value);
                    return;
                }
                source(ref _sourceClip);
                landmarks(ref _sourceLandmarks);
                Blend(ref value);
            };
        }

        private void Blend(ref VBuffer<float> value)
        {
            var parent = _parent;
            int frames = parent._frames, height = parent._height, width = parent._width;
            var length = frames * 3 * height * width;
            if (_sourceClip.Length != length)
                throw new InvalidDataException($"Row {SourceKey()}: the clip has {_sourceClip.Length} values; [{frames}, 3, {height}, {width}] needs {length}.");
            var clip = Dense(_sourceClip);
            var points = Dense(_sourceLandmarks);
            var key = SourceKey();
            var perFrame = points.Length / (2 * frames);
            try
            {
                if (points.Length == 0 || points.Length % (2 * frames) != 0)
                    throw new InvalidLandmarksException($"{points.Length} landmark values do not divide into {frames} frames of (x, y) points.");
                VideoBlender.ValidateLandmarks(points, frames, perFrame, parent._blend);
            }
            catch (InvalidLandmarksException e)
            {
                throw new InvalidLandmarksException($"Input row {key} (column '{parent._options.LandmarksColumnName}') cannot be blended: {e.Message}", e,
                    e.FrameIndex, key, parent._options.LandmarksColumnName);
            }
            _blender ??= new NormalizedClipBlender((ulong)parent._options.Seed, parent._blend);
            var editor = VBufferEditor.Create(ref value, length);
            var output = editor.Values;
            _blender.Blend(clip, frames, height, width, points, perFrame, key, output);
            var original = _blender.LastOriginal;
            var blended = _blender.LastBlended;
            // Values the blend left unchanged keep the source's float bit for bit (the source may have been normalised
            // with a differently rounded formula).
            int plane = height * width;
            for (int t = 0; t < frames; t++)
            {
                int frameBase = t * plane * 3;
                for (int c = 0; c < 3; c++)
                {
                    int planeBase = frameBase + c * plane;
                    for (int p = 0; p < plane; p++)
                    {
                        var interleaved = frameBase + p * 3 + c;
                        if (blended[interleaved] == original[interleaved]) output[planeBase + p] = clip[planeBase + p];
                    }
                }
            }
            value = editor.Commit();
        }

        private static ReadOnlySpan<float> Dense(in VBuffer<float> buffer)
        {
            if (buffer.IsDense) return buffer.GetValues();
            var dense = new float[buffer.Length];
            buffer.CopyTo(dense);
            return dense;
        }

        private Delegate LabelGetter(DataViewSchema.Column column)
        {
            var inputColumn = _input.Schema[column.Index];
            if (column.Type is BooleanDataViewType)
            {
                var getter = _input.GetGetter<bool>(inputColumn);
                return (ValueGetter<bool>)((ref bool value) => { if (_synthetic) value = true; else getter(ref value); });
            }
            if (column.Type == NumberDataViewType.Single)
            {
                var getter = _input.GetGetter<float>(inputColumn);
                return (ValueGetter<float>)((ref float value) => { if (_synthetic) value = 1f; else getter(ref value); });
            }
            var doubles = _input.GetGetter<double>(inputColumn);
            return (ValueGetter<double>)((ref double value) => { if (_synthetic) value = 1.0; else doubles(ref value); });
        }

        private ValueGetter<ReadOnlyMemory<char>> VideoIdGetter()
        {
            var getter = _input.GetGetter<ReadOnlyMemory<char>>(_input.Schema[_parent._videoId!.Value.Index]);
            var prefix = _parent._options.VideoIdPrefix;
            return (ref ReadOnlyMemory<char> value) =>
            {
                getter(ref value);
                if (_synthetic) value = string.Concat(prefix, value.Span).AsMemory();
            };
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _blender?.Dispose();
                _blender = null;
                _input.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}

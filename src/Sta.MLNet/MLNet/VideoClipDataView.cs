using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Sta.MLNet.Clips;
using Sta.MLNet.Video;

namespace Sta.MLNet.MLNet;

/// <summary>
/// One row per clip of every video of an input table (from <see cref="VideoClipLoadingTransformer.ExpandClips"/> or
/// <see cref="VideoClipCatalog.LoadVideoClips(MLContext, IDataView, VideoClipLoaderOptions, ClipStreamOptions?)"/>):
/// the input's columns, repeated on each clip of a video, then the clip columns (<see cref="VideoClipColumns"/>) and
/// VideoId (the path).
/// <para>
/// Memory stays constant: each cursor keeps one open video and one clip buffer. A cursor decodes only when a column that
/// needs pixels (clip, landmarks, face counts) is active; otherwise it lists the planned clips. A video that cannot be
/// opened or is too short, and a clip that does not decode or has no face (with <see cref="FacelessClipHandling.Reject"/>),
/// is skipped and reported (<see cref="Issues"/>, the <see cref="ClipStreamOptions"/> callback, a warning on the MLContext
/// log); rows already delivered are unaffected. Shuffling is delegated to the input (the small path table).
/// </para>
/// </summary>
public sealed class VideoClipDataView : IDataView
{
    private readonly IHost _host;
    private readonly IDataView _input;
    private readonly VideoClipLoaderOptions _options;
    private readonly ClipStreamReporter _reporter;
    private readonly DataViewSchema.Column _pathColumn;
    private readonly int _inputCount;

    internal VideoClipDataView(IHost host, IDataView input, VideoClipLoaderOptions options, ClipStreamOptions? stream)
    {
        _host = host;
        _input = input;
        _options = options;
        _reporter = new ClipStreamReporter(host, stream);
        _pathColumn = StageSchema.RequireColumn(input.Schema, options.PathColumnName, TextDataViewType.Instance);
        _inputCount = input.Schema.Count;
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input.Schema);
        foreach (var column in VideoClipLoadingTransformer.ClipColumns(options.Columns, options.FrontEnd))
            builder.AddColumn(column.Name, column.Type);
        builder.AddColumn(options.Columns.VideoId, TextDataViewType.Instance);
        Schema = builder.ToSchema();
    }

    /// <inheritdoc/>
    public DataViewSchema Schema { get; }

    /// <inheritdoc/>
    public bool CanShuffle => _input.CanShuffle;

    /// <summary>Videos and clips skipped so far by any cursor (with their typed errors).</summary>
    public IReadOnlyCollection<ClipIssue> Issues => _reporter.Issues;

    /// <inheritdoc/>
    public long? GetRowCount() => null;

    /// <inheritdoc/>
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = Active(columnsNeeded);
        return new Cursor(this, _input.GetRowCursor(InputColumns(active), rand), active);
    }

    /// <inheritdoc/>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var active = Active(columnsNeeded);
        return _input.GetRowCursorSet(InputColumns(active), n, rand).Select(c => (DataViewRowCursor)new Cursor(this, c, active)).ToArray();
    }

    private bool[] Active(IEnumerable<DataViewSchema.Column> columnsNeeded)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        var active = new bool[Schema.Count];
        foreach (var column in columnsNeeded)
            active[column.Index] = true;
        return active;
    }

    private IEnumerable<DataViewSchema.Column> InputColumns(bool[] active) =>
        _input.Schema.Where(c => active[c.Index] || c.Index == _pathColumn.Index);

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly VideoClipDataView _parent;
        private readonly DataViewRowCursor _input;
        private readonly bool[] _active;
        private readonly bool _decode;
        private readonly ValueGetter<ReadOnlyMemory<char>> _pathGetter;
        private readonly ValueGetter<DataViewRowId> _inputId;
        private readonly ClipRowBuffer _row;
        private FaceClipExtractor? _extractor;
        private string _path = "";
        private ClipPlan? _plan;
        private int _clip;
        private long _position = -1;

        public Cursor(VideoClipDataView parent, DataViewRowCursor input, bool[] active)
        {
            _parent = parent;
            _input = input;
            _active = active;
            var clipColumns = parent.Schema.Count - parent._inputCount - 1;
            _decode = Enumerable.Range(0, clipColumns).Any(i => active[parent._inputCount + i] && VideoClipLoadingTransformer.NeedsDecoding(i));
            _pathGetter = input.GetGetter<ReadOnlyMemory<char>>(parent._pathColumn);
            _inputId = input.GetIdGetter();
            _row = new ClipRowBuffer(parent._options.FrontEnd);
        }

        public override DataViewSchema Schema => _parent.Schema;

        public override long Position => _position;

        public override long Batch => _input.Batch;

        public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

        public override bool MoveNext()
        {
            var reporter = _parent._reporter;
            while (true)
            {
                reporter.Options.CancellationToken.ThrowIfCancellationRequested();
                if (_plan is not null && _clip + 1 < _plan.Clips.Count)
                {
                    _clip++;
                    if (!TryProduce())
                        continue;
                    _position++;
                    reporter.ClipProduced();
                    return true;
                }
                _plan = null;
                if (!_input.MoveNext())
                    return false;
                ReadOnlyMemory<char> text = default;
                _pathGetter(ref text);
                _path = text.ToString();
                _clip = -1;
                try
                {
                    _extractor ??= new FaceClipExtractor(_parent._options.FrontEnd);
                    _plan = _extractor.PlanVideo(_path).ThrowIfTooShort(_path);
                    reporter.VideoOpened();
                }
                catch (StaException error)
                {
                    _plan = null;
                    reporter.Issue(new ClipIssue(_path, _path, -1, error));
                }
            }
        }

        /// <summary>Fills the row buffer for clip <see cref="_clip"/>; false (after reporting) when the clip fails.</summary>
        private bool TryProduce()
        {
            var plan = _plan!;
            if (!_decode)
            {
                _row.Info = new FaceClipInfo(_clip, plan.Clips.Count, plan.Clips[_clip][0], 0, 0, false);
                return true;
            }
            try
            {
                _row.Info = _extractor!.ExtractClip(_path, plan, _clip, _row.Clip, _row.Landmarks, _parent._reporter.Options.CancellationToken);
                return true;
            }
            catch (StaException error)
            {
                _parent._reporter.Issue(new ClipIssue(_path, _path, _clip, error));
                // A decode failure usually repeats for the video's later clips; they are tried anyway, since a truncated
                // file can still deliver its earlier clips.
                return false;
            }
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) =>
        {
            DataViewRowId inputId = default;
            _inputId(ref inputId);
            id = inputId.Combine(new DataViewRowId((ulong)_clip, 0));
        };

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!_active[column.Index])
                throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor.");
            if (column.Index < _parent._inputCount)
                return _input.GetGetter<TValue>(_input.Schema[column.Index]);
            var clipColumn = column.Index - _parent._inputCount;
            Delegate getter = column.Index == _parent.Schema.Count - 1
                ? (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> v) => v = _path.AsMemory())
                : VideoClipLoadingTransformer.ClipGetter(clipColumn, () => _row);
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' has type {column.Type}, not {typeof(TValue).Name}.");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _extractor?.Dispose();
                _input.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}

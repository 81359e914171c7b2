using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Sta.MLNet;

/// <summary>
/// One row per clip of every video of an input table (from
/// <see cref="StaCatalog.LoadVideoClips(MLContext, IDataView, VideoClipLoaderOptions, ClipStreamOptions?)"/>):
/// the input's columns, repeated on each clip of a video, then the clip columns (<see cref="VideoClipColumns"/>) and
/// VideoId (the path).
/// <para>
/// Memory stays constant: each cursor keeps one open video and one clip buffer. A cursor decodes only when a column that
/// needs pixels (clip, landmarks, face counts) is active; otherwise it lists the planned clips. A video that cannot be
/// opened or is too short, and a clip that does not decode or has no face (with <see cref="FacelessClipHandling.Reject"/>),
/// is skipped and reported (<see cref="Issues"/>, the <see cref="ClipStreamOptions"/> callback, a warning on the MLContext
/// log); rows already delivered are unaffected. Shuffling is delegated to the input (the small path table).
/// </para>
/// <para>
/// With <see cref="ClipStreamOptions.DecodeWorkers"/> above one, each cursor decodes up to twice that many clips ahead
/// on that many threads, across video boundaries: a second cursor over the input (the path column only, same shuffle
/// seed) plans videos ahead, while the cursor's own input cursor follows the delivered clips for the other columns.
/// Rows, their order and the reported issues are those of one worker. This needs an input that gives two cursors the
/// same rows (ML.NET's loaders and in-memory views do); one that does not is detected and fails with
/// <see cref="InvalidOperationException"/> (cache it first with <c>mlContext.Data.Cache</c>).
/// </para>
/// </summary>
internal sealed class VideoClipDataView : IDataView
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
        stream?.Validate();
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
        // The same seed for the input cursor and, when decoding ahead, for the planning cursor; also with one worker, so
        // a shuffled pass visits the same rows in the same order whatever the number of workers.
        int? seed = rand?.Next();
        return new Cursor(this, _input.GetRowCursor(InputColumns(active), Seeded(seed)), active, seed);
    }

    /// <inheritdoc/>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var active = Active(columnsNeeded);
        int? seed = rand?.Next();
        var inputs = _input.GetRowCursorSet(InputColumns(active), n, Seeded(seed));
        if (inputs.Length == 1)
            return [new Cursor(this, inputs[0], active, seed)];
        // Split inputs already decode in parallel, one thread per cursor; decoding ahead would need a planning cursor
        // matching each split, which ML.NET cannot give.
        return inputs.Select(c => (DataViewRowCursor)new Cursor(this, c, active, seed, decodeAhead: false)).ToArray();
    }

    private static Random? Seeded(int? seed) => seed is { } value ? new Random(value) : null;

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
        private readonly int? _seed;
        private readonly bool _decodeAhead;
        private ClipRowBuffer _row;
        private FaceClipExtractor? _extractor;
        private string _path = "";
        private ClipPlan? _plan;
        private int _clip;
        private long _position = -1;

        // Decoding ahead: the planning cursor and its state (used by the decoder's workers, one at a time), the input row
        // the follower is on, and the last video counted as opened.
        private OrderedClipDecoder<ClipJob>? _ahead;
        private DataViewRowCursor? _planner;
        private ValueGetter<ReadOnlyMemory<char>>? _plannerPath;
        private long _plannedVideo = -1;
        private string _plannedPath = "";
        private ClipPlan? _plannedClips;
        private int _plannedClip;
        private long _inputVideo = -1;
        private long _openedVideo = -1;

        public Cursor(VideoClipDataView parent, DataViewRowCursor input, bool[] active, int? seed, bool decodeAhead = true)
        {
            _parent = parent;
            _input = input;
            _active = active;
            var clipColumns = parent.Schema.Count - parent._inputCount - 1;
            _decode = Enumerable.Range(0, clipColumns).Any(i => active[parent._inputCount + i] && VideoClipLoadingTransformer.NeedsDecoding(i));
            _pathGetter = input.GetGetter<ReadOnlyMemory<char>>(parent._pathColumn);
            _inputId = input.GetIdGetter();
            _row = new ClipRowBuffer(parent._options.FrontEnd);
            _seed = seed;
            _decodeAhead = decodeAhead && _decode && parent._reporter.Options.DecodeWorkers > 1;
        }

        public override DataViewSchema Schema => _parent.Schema;

        public override long Position => _position;

        public override long Batch => _input.Batch;

        public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

        public override bool MoveNext()
        {
            var reporter = _parent._reporter;
            if (_decodeAhead)
                return MoveNextDecodedAhead(reporter);
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

        /// <summary>The same rows as the loop above, decoded ahead by <see cref="ClipStreamOptions.DecodeWorkers"/> threads.</summary>
        private bool MoveNextDecodedAhead(ClipStreamReporter reporter)
        {
            var token = reporter.Options.CancellationToken;
            if (_ahead is null)
            {
                _planner = _parent._input.GetRowCursor([_parent._pathColumn], Seeded(_seed));
                _plannerPath = _planner.GetGetter<ReadOnlyMemory<char>>(_parent._pathColumn);
                int workers = reporter.Options.DecodeWorkers;
                _ahead = new OrderedClipDecoder<ClipJob>(workers, 2 * workers, _parent._options.FrontEnd, ClaimNextClip, DecodeClip, token);
            }
            while (true)
            {
                token.ThrowIfCancellationRequested();
                if (!_ahead.TryNext(out var job, out var row, out var error))
                    return false;
                FollowInputTo(job);
                if (job.Plan is not null && job.Video != _openedVideo)
                {
                    _openedVideo = job.Video;
                    reporter.VideoOpened();
                }
                _path = job.Path;
                _clip = job.ClipIndex;
                if (error is not null)
                {
                    reporter.Issue(new ClipIssue(_path, _path, job.ClipIndex, error));
                    continue;
                }
                _row = row!;
                _position++;
                reporter.ClipProduced();
                return true;
            }
        }

        /// <summary>
        /// The next clip of the planning cursor's videos (a video that cannot be planned becomes one job carrying its
        /// error, so that it is reported in sequence). Called by the decoder's workers, one at a time.
        /// </summary>
        private bool ClaimNextClip(FaceClipExtractor extractor, out ClipJob job)
        {
            while (true)
            {
                _parent._reporter.Options.CancellationToken.ThrowIfCancellationRequested();
                if (_plannedClips is not null && _plannedClip + 1 < _plannedClips.Clips.Count)
                {
                    _plannedClip++;
                    job = new ClipJob(_plannedVideo, _plannedPath, _plannedClips, _plannedClip, null);
                    return true;
                }
                _plannedClips = null;
                if (!_planner!.MoveNext())
                {
                    job = default!;
                    return false;
                }
                _plannedVideo++;
                ReadOnlyMemory<char> text = default;
                _plannerPath!(ref text);
                _plannedPath = text.ToString();
                _plannedClip = -1;
                try
                {
                    _plannedClips = extractor.PlanVideo(_plannedPath).ThrowIfTooShort(_plannedPath);
                }
                catch (StaException error)
                {
                    job = new ClipJob(_plannedVideo, _plannedPath, null, -1, error);
                    return true;
                }
            }
        }

        private static FaceClipInfo DecodeClip(FaceClipExtractor extractor, ClipJob job, ClipRowBuffer row, CancellationToken token)
        {
            if (job.PlanError is { } error)
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
            return extractor.ExtractClip(job.Path, job.Plan!, job.ClipIndex, row.Clip, row.Landmarks, token);
        }

        /// <summary>Moves the input cursor to the row of <paramref name="job"/>'s video and checks it is the same row.</summary>
        private void FollowInputTo(ClipJob job)
        {
            if (_inputVideo == job.Video)
                return;
            while (_inputVideo < job.Video)
            {
                if (!_input.MoveNext())
                    throw NotRepeatable($"it ended after {_inputVideo + 1} rows");
                _inputVideo++;
            }
            ReadOnlyMemory<char> text = default;
            _pathGetter(ref text);
            if (!text.Span.SequenceEqual(job.Path))
                throw NotRepeatable($"row {job.Video} is '{text}' for one and '{job.Path}' for the other");
        }

        private static InvalidOperationException NotRepeatable(string detail) => new(
            $"The input table of video paths gave two cursors different rows ({detail}). Decoding ahead " +
            "(ClipStreamOptions.DecodeWorkers > 1) reads it twice; cache it first (mlContext.Data.Cache) or use one decode worker.");

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
                // The workers stop before the planning cursor they read goes away.
                _ahead?.Dispose();
                _planner?.Dispose();
                _extractor?.Dispose();
                _input.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    /// <summary>One clip to decode ahead: the video's position in the input, its path and plan, or why it has none.</summary>
    private sealed record ClipJob(long Video, string Path, ClipPlan? Plan, int ClipIndex, StaException? PlanError);
}

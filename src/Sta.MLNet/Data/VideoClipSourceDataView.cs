using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Sta.MLNet;

/// <summary>
/// A dataset of clips as an ML.NET source: a folder or CSV of labelled videos (faces detected and aligned on the fly) or
/// a DeepfakeBench dataset (already aligned frames, resized to the clip size, docs/design.md, "Frame loading"). Columns: Clip, Landmarks,
/// ClipIndex, ClipCount, FirstFrame, FacesFound, FramesWithoutFace, IsFaceless, VideoId, Label (Boolean, true = fake),
/// VideoPath (names from <see cref="VideoClipColumns"/>).
/// <para>
/// The clip table (paths and frame indices only) is planned once, on the first cursor: videos that cannot be opened or
/// are too short are reported then. A cursor with a <see cref="Random"/> visits the table in a random clip order
/// (<see cref="CanShuffle"/> is true: shuffle here, never the decoded rows). Pixels are decoded row by row, only when a
/// pixel column is active, into one buffer per cursor, so memory stays flat; <see cref="GetRowCursorSet"/> splits the
/// table between cursors that decode in parallel, and <see cref="ClipStreamOptions.DecodeWorkers"/> lets one cursor
/// decode ahead on several threads (same rows, same order). A clip that fails to decode or has no face is reported
/// (<see cref="Issues"/>, the callback, the MLContext log) and skipped.
/// </para>
/// </summary>
internal sealed class VideoClipSourceDataView : IDataView
{
    private const int VideoIdColumn = 8, LabelColumn = 9, VideoPathColumn = 10;

    private readonly VideoClipSourceOptions _options;
    private readonly ClipStreamReporter _reporter;
    private readonly Func<Action<DatasetIssue>, IEnumerable<ClipDescriptor>> _plan;
    private readonly object _planGate = new();
    private IReadOnlyList<ClipDescriptor>? _clips;

    internal VideoClipSourceDataView(IHost host, VideoClipSourceOptions options, Func<Action<DatasetIssue>, IEnumerable<ClipDescriptor>> plan)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Stream.Validate();
        options.FrontEnd.Validate();
        options.Columns.Validate();
        _options = options;
        _reporter = new ClipStreamReporter(host, options.Stream);
        _plan = plan;
        var builder = new DataViewSchema.Builder();
        foreach (var column in VideoClipLoadingTransformer.ClipColumns(options.Columns, options.FrontEnd))
            builder.AddColumn(column.Name, column.Type);
        builder.AddColumn(options.Columns.VideoId, TextDataViewType.Instance);
        builder.AddColumn(options.Columns.Label, BooleanDataViewType.Instance);
        builder.AddColumn(options.Columns.VideoPath, TextDataViewType.Instance);
        Schema = builder.ToSchema();
    }

    /// <inheritdoc/>
    public DataViewSchema Schema { get; }

    /// <summary>True: a cursor with a <see cref="Random"/> visits the clips in a random order.</summary>
    public bool CanShuffle => true;

    /// <summary>The planned clips (paths and frame indices), planning them on first use.</summary>
    /// <exception cref="OperationCanceledException">Cancelled while planning; the next access plans again.</exception>
    internal IReadOnlyList<ClipDescriptor> Clips
    {
        get
        {
            if (Volatile.Read(ref _clips) is { } planned)
                return planned;
            lock (_planGate)
            {
                // Not a Lazy: a cancelled or failed planning must not be cached, so that a later cursor can try again.
                return _clips ??= PlanClips();
            }
        }
    }

    private List<ClipDescriptor> PlanClips()
    {
        var clips = new List<ClipDescriptor>();
        foreach (var clip in _plan(issue => _reporter.Issue(new ClipIssue(issue.Path, issue.VideoId, -1, issue.Error))))
        {
            _reporter.Options.CancellationToken.ThrowIfCancellationRequested();
            if (clip.ClipIndex == 0)
                _reporter.VideoOpened();
            clips.Add(clip);
        }
        return clips;
    }

    /// <summary>Videos and clips skipped so far (planning and decoding), with their typed errors.</summary>
    public IReadOnlyCollection<ClipIssue> Issues => _reporter.Issues;

    /// <summary>Unknown until read: clips that fail to decode are skipped.</summary>
    public long? GetRowCount() => null;

    /// <inheritdoc/>
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, Active(columnsNeeded), Order(rand), 0, 1);

    /// <inheritdoc/>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var active = Active(columnsNeeded);
        var order = Order(rand);
        n = Math.Clamp(n, 1, Math.Max(1, Math.Min(order.Length, Environment.ProcessorCount)));
        return Enumerable.Range(0, n).Select(k => (DataViewRowCursor)new Cursor(this, active, order, k, n)).ToArray();
    }

    private int[] Order(Random? rand)
    {
        var order = Enumerable.Range(0, Clips.Count).ToArray();
        if (rand is not null)
            rand.Shuffle(order);
        return order;
    }

    private bool[] Active(IEnumerable<DataViewSchema.Column> columnsNeeded)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        var active = new bool[Schema.Count];
        foreach (var column in columnsNeeded)
            active[column.Index] = true;
        return active;
    }

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly VideoClipSourceDataView _parent;
        private readonly bool[] _active;
        private readonly bool _decode;
        private readonly int[] _order;
        private readonly int _stride;
        private ClipRowBuffer _row;
        private FaceClipExtractor? _extractor;
        private OrderedClipDecoder<int>? _parallel;
        private int[]? _parallelClips;
        private int _next;
        private int _current = -1;
        private long _position = -1;

        public Cursor(VideoClipSourceDataView parent, bool[] active, int[] order, int first, int stride)
        {
            _parent = parent;
            _active = active;
            _order = order;
            _next = first;
            _stride = stride;
            _decode = Enumerable.Range(0, VideoIdColumn).Any(i => active[i] && VideoClipLoadingTransformer.NeedsDecoding(i));
            _row = new ClipRowBuffer(parent._options.FrontEnd);
        }

        public override DataViewSchema Schema => _parent.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

        private ClipDescriptor Current => _parent.Clips[_current];

        public override bool MoveNext()
        {
            var reporter = _parent._reporter;
            if (_decode && _parent._options.Stream.DecodeWorkers > 1)
                return MoveNextDecodedAhead(reporter);
            while (_next < _order.Length)
            {
                reporter.Options.CancellationToken.ThrowIfCancellationRequested();
                _current = _order[_next];
                _next += _stride;
                if (!TryProduce(Current))
                    continue;
                _position++;
                reporter.ClipProduced();
                return true;
            }
            _current = -1;
            return false;
        }

        /// <summary>The same rows as the loop above, decoded ahead by <see cref="ClipStreamOptions.DecodeWorkers"/> threads.</summary>
        private bool MoveNextDecodedAhead(ClipStreamReporter reporter)
        {
            if (_parallel is null)
            {
                var clips = new List<int>();
                for (int i = _next; i < _order.Length; i += _stride) clips.Add(_order[i]);
                _parallelClips = clips.ToArray();
                _next = _order.Length;
                int workers = _parent._options.Stream.DecodeWorkers;
                _parallel = OrderedClipDecoder.ForPositions(_parallelClips.Length, workers, _parent._options.FrontEnd,
                    (extractor, position, row, token) => Decode(extractor, _parent.Clips[_parallelClips[position]], row, token),
                    reporter.Options.CancellationToken);
            }
            while (true)
            {
                reporter.Options.CancellationToken.ThrowIfCancellationRequested();
                if (!_parallel.TryNext(out var position, out var row, out var error))
                {
                    _current = -1;
                    return false;
                }
                _current = _parallelClips![position];
                if (error is not null)
                {
                    Report(Current, error);
                    continue;
                }
                _row = row!;
                _position++;
                reporter.ClipProduced();
                return true;
            }
        }

        private bool TryProduce(ClipDescriptor clip)
        {
            if (!_decode)
            {
                _row.Info = new FaceClipInfo(clip.ClipIndex, clip.ClipCount, clip.FrameIndices[0], 0, 0, false);
                return true;
            }
            _extractor ??= new FaceClipExtractor(_parent._options.FrontEnd);
            try
            {
                _row.Info = Decode(_extractor, clip, _row, _parent._reporter.Options.CancellationToken);
                return true;
            }
            catch (StaException error)
            {
                Report(clip, error);
                return false;
            }
        }

        private static FaceClipInfo Decode(FaceClipExtractor extractor, ClipDescriptor clip, ClipRowBuffer row, CancellationToken cancellationToken) =>
            clip.VideoPath is { } path
                ? extractor.ExtractClip(path, clip.FrameIndices, clip.ClipIndex, clip.ClipCount, row.Clip, row.Landmarks, cancellationToken)
                : extractor.LoadExtractedClip(clip, row.Clip, row.Landmarks);

        private void Report(ClipDescriptor clip, StaException error)
        {
            var path = clip.VideoPath ?? clip.FramePaths?.FirstOrDefault() ?? clip.VideoId;
            _parent._reporter.Issue(new ClipIssue(error switch
            {
                DatasetFileMissingException missing => missing.Path,
                DatasetFormatException format => format.Path,
                _ => path,
            }, clip.VideoId, clip.ClipIndex, error));
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_current, 0);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!_active[column.Index])
                throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor.");
            Delegate getter = column.Index switch
            {
                VideoIdColumn => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> v) => v = Current.VideoId.AsMemory()),
                LabelColumn => (ValueGetter<bool>)((ref bool v) => v = Current.Label == DeepfakeBenchLabels.Fake),
                VideoPathColumn => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> v) =>
                    v = (Current.VideoPath ?? Path.GetDirectoryName(Current.FramePaths![0]) ?? "").AsMemory()),
                _ => VideoClipLoadingTransformer.ClipGetter(column.Index, () => _row),
            };
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' has type {column.Type}, not {typeof(TValue).Name}.");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _parallel?.Dispose();
                _extractor?.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Sta.MLNet;

/// <summary>
/// Estimator of the video clip loader: nothing is learnt, <see cref="TrivialAppendColumnsEstimator{T}.Fit"/> checks the
/// schema. Create it with <see cref="StaCatalog.ExtractFaceClip(MLContext, VideoClipLoaderOptions)"/>.
/// </summary>
internal sealed class VideoClipLoadingEstimator : TrivialAppendColumnsEstimator<VideoClipLoadingTransformer>
{
    /// <summary>Creates the estimator; prefer the <see cref="StaCatalog"/> extensions.</summary>
    public VideoClipLoadingEstimator(IHostEnvironment env, VideoClipLoaderOptions options)
        : base(env, nameof(VideoClipLoadingEstimator), new VideoClipLoadingTransformer(env, options))
    {
    }

    /// <inheritdoc/>
    private protected override void CheckInputShape(SchemaShape inputSchema)
    {
        var options = Transformer.Options;
        StageSchema.RequireShapeColumn(inputSchema, options.PathColumnName, TextDataViewType.Instance, SchemaShape.Column.VectorKind.Scalar);
        if (options.ClipIndexColumnName is { } index)
            StageSchema.RequireShapeColumn(inputSchema, index, NumberDataViewType.Int32, SchemaShape.Column.VectorKind.Scalar);
    }
}

/// <summary>
/// The video clip loader, row to row: each row's video path (and optional clip index) becomes one clip of aligned face
/// crops (<see cref="FaceClipOptions"/>), CLIP-normalised [T, 3, S, S], with landmarks [T, 68, 2] and the clip's
/// face statistics. Decoding happens only when an appended column is read, into buffers reused from row to row.
/// A video that fails throws its typed exception from the getter (<see cref="VideoDecodeException"/>,
/// <see cref="VideoTooShortException"/>, <see cref="ClipIndexOutOfRangeException"/>,
/// <see cref="FacelessClipException"/>): nothing is scored in its place. For all clips of every video, one row per
/// clip, use <see cref="ExpandClips"/>.
/// </summary>
internal sealed class VideoClipLoadingTransformer : AppendColumnsTransformer, ILoadableStage<VideoClipLoadingTransformer>
{
    // Format versions:
    //   0x00010001: initial (path/clip-index columns, clip index, 11 column names, FaceClipOptions).
    private static readonly StageVersionInfo Version = new(
        ModelSignature: "STAVCLIP", VerWrittenCur: 0x00010001, VerReadableCur: 0x00010001, VerWeCanReadBack: 0x00010001,
        LoaderSignature: "StaVideoClipLoader");

    private const int ClipOutput = 0, LandmarksOutput = 1, ClipIndexOutput = 2, ClipCountOutput = 3, FirstFrameOutput = 4,
        FacesFoundOutput = 5, FramesWithoutFaceOutput = 6, IsFacelessOutput = 7;

    private readonly VideoClipLoaderOptions _options;

    /// <summary>Creates the transformer; the options are copied and validated (model files are checked when clips are read).</summary>
    public VideoClipLoadingTransformer(IHostEnvironment env, VideoClipLoaderOptions options)
        : base(env, nameof(VideoClipLoadingTransformer))
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options.Clone();
        OutputColumns = ClipColumns(_options.Columns, _options.FrontEnd);
    }

    /// <summary>A copy of the options.</summary>
    public VideoClipLoaderOptions Options => _options.Clone();

    /// <inheritdoc/>
    internal override IReadOnlyList<StageColumn> OutputColumns { get; }

    static StageVersionInfo ILoadableStage<VideoClipLoadingTransformer>.FormatVersion => Version;

    /// <inheritdoc/>
    private protected override StageVersionInfo FormatVersion => Version;

    /// <summary>
    /// One row per clip of every video of <paramref name="input"/> (one-to-many): the input's columns are repeated on
    /// each of a video's clips, followed by the clip columns and a VideoId column (the path). Decoding is lazy and
    /// constant in memory; a video or clip that fails is reported (<see cref="VideoClipDataView.Issues"/>,
    /// <paramref name="stream"/>'s callback, a warning on the MLContext log) and skipped. Shuffling requests are passed
    /// to <paramref name="input"/> (shuffle the small path table, never the clips).
    /// </summary>
    internal VideoClipDataView ExpandClips(IDataView input, ClipStreamOptions? stream = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new VideoClipDataView(Host, input, _options, stream);
    }

    /// <summary>The appended clip columns (row-to-row mode), in order.</summary>
    internal static StageColumn[] ClipColumns(VideoClipColumns names, FaceClipOptions frontEnd) =>
    [
        StageColumn.SingleVector(names.Clip, frontEnd.FramesPerClip, 3, frontEnd.ClipSize, frontEnd.ClipSize),
        StageColumn.SingleVector(names.Landmarks, frontEnd.FramesPerClip, FaceClipOptions.LandmarkCount, 2),
        StageColumn.Int32(names.ClipIndex),
        StageColumn.Int32(names.ClipCount),
        StageColumn.Int32(names.FirstFrame),
        StageColumn.Int32(names.FacesFound),
        StageColumn.Int32(names.FramesWithoutFace),
        StageColumn.Boolean(names.IsFaceless),
    ];

    /// <summary>A getter of clip column <paramref name="output"/> (index in <see cref="ClipColumns"/>) over the buffer <paramref name="row"/> returns.</summary>
    internal static Delegate ClipGetter(int output, Func<ClipRowBuffer> row) => output switch
    {
        ClipOutput => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> v) => ClipRowBuffer.CopyTo(row().Clip, ref v)),
        LandmarksOutput => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> v) => ClipRowBuffer.CopyTo(row().Landmarks, ref v)),
        ClipIndexOutput => (ValueGetter<int>)((ref int v) => v = row().Info.ClipIndex),
        ClipCountOutput => (ValueGetter<int>)((ref int v) => v = row().Info.ClipCount),
        FirstFrameOutput => (ValueGetter<int>)((ref int v) => v = row().Info.FirstFrame),
        FacesFoundOutput => (ValueGetter<int>)((ref int v) => v = row().Info.FacesFound),
        FramesWithoutFaceOutput => (ValueGetter<int>)((ref int v) => v = row().Info.FramesWithoutFace),
        IsFacelessOutput => (ValueGetter<bool>)((ref bool v) => v = row().Info.IsFaceless),
        _ => throw new ArgumentOutOfRangeException(nameof(output)),
    };

    /// <summary>Whether clip column <paramref name="output"/> needs decoding (false for the plan's own values).</summary>
    internal static bool NeedsDecoding(int output) => output is not (ClipIndexOutput or ClipCountOutput or FirstFrameOutput);

    static VideoClipLoadingTransformer ILoadableStage<VideoClipLoadingTransformer>.Load(IHostEnvironment env, StageLoadContext context)
    {
        var reader = context.Reader;
        var options = new VideoClipLoaderOptions { PathColumnName = reader.ReadString() };
        var index = reader.ReadString();
        options.ClipIndexColumnName = index.Length == 0 ? null : index;
        options.ClipIndex = reader.ReadInt32();
        options.Columns = VideoClipColumns.Read(reader);
        options.FrontEnd = FaceClipOptionsFormat.Read(reader);
        try
        {
            return new VideoClipLoadingTransformer(env, options);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"Saved video clip loader options are invalid: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    private protected override void SaveModel(StageSaveContext context)
    {
        var writer = context.Writer;
        writer.Write(_options.PathColumnName);
        writer.Write(_options.ClipIndexColumnName ?? "");
        writer.Write(_options.ClipIndex);
        _options.Columns.Write(writer);
        FaceClipOptionsFormat.Write(writer, _options.FrontEnd);
    }

    /// <inheritdoc/>
    private protected override StageMapping Bind(DataViewSchema inputSchema)
    {
        var path = StageSchema.RequireColumn(inputSchema, _options.PathColumnName, TextDataViewType.Instance);
        DataViewSchema.Column? index = _options.ClipIndexColumnName is { } name
            ? StageSchema.RequireColumn(inputSchema, name, NumberDataViewType.Int32)
            : null;
        return new Mapping(this, inputSchema, path, index);
    }

    private sealed class Mapping(VideoClipLoadingTransformer stage, DataViewSchema inputSchema, DataViewSchema.Column path, DataViewSchema.Column? index)
        : StageMapping(inputSchema)
    {
        public override IReadOnlyList<DataViewSchema.Column> InputColumns { get; } = index is { } i ? [path, i] : [path];

        public override StageWorker CreateWorker(DataViewRow input, IReadOnlyList<bool> activeOutputs, int capacity) =>
            new Worker(stage._options, input.GetGetter<ReadOnlyMemory<char>>(path),
                index is { } i ? input.GetGetter<int>(i) : null, capacity);
    }

    private sealed class Worker : StageWorker
    {
        private readonly VideoClipLoaderOptions _options;
        private readonly ValueGetter<ReadOnlyMemory<char>> _path;
        private readonly ValueGetter<int>? _index;
        private readonly string[] _paths;
        private readonly int[] _indices;
        private readonly ClipRowBuffer[] _rows;
        private FaceClipExtractor? _extractor;

        public Worker(VideoClipLoaderOptions options, ValueGetter<ReadOnlyMemory<char>> path, ValueGetter<int>? index, int capacity)
        {
            _options = options;
            _path = path;
            _index = index;
            _paths = new string[capacity];
            _indices = new int[capacity];
            _rows = new ClipRowBuffer[capacity];
        }

        public override void Load(int slot)
        {
            ReadOnlyMemory<char> text = default;
            _path(ref text);
            _paths[slot] = text.ToString();
            var index = _options.ClipIndex;
            _index?.Invoke(ref index);
            _indices[slot] = index;
        }

        public override void Compute(int count)
        {
            _extractor ??= new FaceClipExtractor(_options.FrontEnd);
            for (var slot = 0; slot < count; slot++)
            {
                var row = _rows[slot] ??= new ClipRowBuffer(_options.FrontEnd);
                row.Info = _extractor.ExtractClip(_paths[slot], _indices[slot], row.Clip, row.Landmarks);
            }
        }

        public override Delegate GetSlotGetter(int outputIndex) => outputIndex switch
        {
            ClipOutput => (SlotValueGetter<VBuffer<float>>)((int s, ref VBuffer<float> v) => ClipRowBuffer.CopyTo(_rows[s].Clip, ref v)),
            LandmarksOutput => (SlotValueGetter<VBuffer<float>>)((int s, ref VBuffer<float> v) => ClipRowBuffer.CopyTo(_rows[s].Landmarks, ref v)),
            ClipIndexOutput => (SlotValueGetter<int>)((int s, ref int v) => v = _rows[s].Info.ClipIndex),
            ClipCountOutput => (SlotValueGetter<int>)((int s, ref int v) => v = _rows[s].Info.ClipCount),
            FirstFrameOutput => (SlotValueGetter<int>)((int s, ref int v) => v = _rows[s].Info.FirstFrame),
            FacesFoundOutput => (SlotValueGetter<int>)((int s, ref int v) => v = _rows[s].Info.FacesFound),
            FramesWithoutFaceOutput => (SlotValueGetter<int>)((int s, ref int v) => v = _rows[s].Info.FramesWithoutFace),
            IsFacelessOutput => (SlotValueGetter<bool>)((int s, ref bool v) => v = _rows[s].Info.IsFaceless),
            _ => throw new ArgumentOutOfRangeException(nameof(outputIndex)),
        };

        protected override void Dispose(bool disposing)
        {
            if (disposing) _extractor?.Dispose();
        }
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Sta.MLNet;

/// <summary>Options of <see cref="ClipNormalizingEstimator"/>. Defaults are the official StA input (docs/design.md, "Network input" and "Normalisation").</summary>
internal sealed class ClipNormalizerOptions
{
    /// <summary>CLIP's per-channel RGB mean (OpenAI CLIP preprocessing).</summary>
    public static IReadOnlyList<float> ClipMean => ClipNormalization.ClipMean;

    /// <summary>CLIP's per-channel RGB standard deviation (OpenAI CLIP preprocessing).</summary>
    public static IReadOnlyList<float> ClipStd => ClipNormalization.ClipStd;

    /// <summary>Input column: Vector&lt;Byte&gt; of FrameCount x Height x Width x 3 RGB values (HWC per frame, frames in order). Default "Frames".</summary>
    public string InputColumnName { get; set; } = "Frames";

    /// <summary>Output column: Vector&lt;Single&gt; with dimensions [FrameCount, 3, Height, Width]. Default "Clip".</summary>
    public string OutputColumnName { get; set; } = "Clip";

    /// <summary>Frames per clip (T). Default 8.</summary>
    public int FrameCount { get; set; } = 8;

    /// <summary>Frame height in pixels. Default 224.</summary>
    public int Height { get; set; } = 224;

    /// <summary>Frame width in pixels. Default 224.</summary>
    public int Width { get; set; } = 224;

    /// <summary>Per-channel mean subtracted after scaling to [0, 1], RGB order. Default <see cref="ClipMean"/>.</summary>
    public float[] Mean { get; set; } = [.. ClipMean];

    /// <summary>Per-channel standard deviation divided by, RGB order, all positive. Default <see cref="ClipStd"/>.</summary>
    public float[] Std { get; set; } = [.. ClipStd];

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(InputColumnName, nameof(InputColumnName));
        ArgumentException.ThrowIfNullOrWhiteSpace(OutputColumnName, nameof(OutputColumnName));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(FrameCount, nameof(FrameCount));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Height, nameof(Height));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Width, nameof(Width));
        if ((long)FrameCount * Height * Width * 3 > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(FrameCount), "A clip must have fewer than 2^31 values.");
        if (Mean is not { Length: 3 } || Mean.Any(m => !float.IsFinite(m)))
            throw new ArgumentException("Mean needs 3 finite values (R, G, B).", nameof(Mean));
        if (Std is not { Length: 3 } || Std.Any(s => !(s > 0) || !float.IsFinite(s)))
            throw new ArgumentException("Std needs 3 finite positive values (R, G, B).", nameof(Std));
    }

    internal ClipNormalizerOptions Clone() => new()
    {
        InputColumnName = InputColumnName, OutputColumnName = OutputColumnName, FrameCount = FrameCount,
        Height = Height, Width = Width, Mean = [.. Mean], Std = [.. Std],
    };
}

/// <summary>
/// Turns a clip of uint8 RGB frames (T x H x W x 3) into the network input: each value / 255, minus the channel mean,
/// divided by the channel std, laid out [T, 3, H, W] (torchvision ToTensor + Normalize, in float32 as PyTorch computes
/// it). Nothing is learnt; <see cref="TrivialAppendColumnsEstimator{TTransformer}.Fit"/> only checks the schema.
/// </summary>
internal sealed class ClipNormalizingEstimator : TrivialAppendColumnsEstimator<ClipNormalizingTransformer>
{
    /// <summary>Creates the estimator (<see cref="StaCatalog.NormalizeClip"/> is the public entry point).</summary>
    public ClipNormalizingEstimator(IHostEnvironment env, ClipNormalizerOptions options)
        : base(env, nameof(ClipNormalizingEstimator), new ClipNormalizingTransformer(env, options))
    {
    }

    /// <inheritdoc/>
    private protected override void CheckInputShape(SchemaShape inputSchema) =>
        StageSchema.RequireShapeColumn(inputSchema, Transformer.Options.InputColumnName, NumberDataViewType.Byte,
            SchemaShape.Column.VectorKind.Vector);
}

/// <summary>The fitted clip normaliser (see <see cref="ClipNormalizingEstimator"/>).</summary>
internal sealed class ClipNormalizingTransformer : AppendColumnsTransformer, ILoadableStage<ClipNormalizingTransformer>
{
    // Format versions:
    //   0x00010001: initial (column names, T, H, W, mean[3], std[3]).
    private static readonly StageVersionInfo Version = new(
        ModelSignature: "STACLIPN", VerWrittenCur: 0x00010001, VerReadableCur: 0x00010001, VerWeCanReadBack: 0x00010001,
        LoaderSignature: "StaClipNormalizer");

    private readonly ClipNormalizerOptions _options;
    private readonly float[][] _lookup;

    /// <summary>Creates the transformer; the options are copied.</summary>
    public ClipNormalizingTransformer(IHostEnvironment env, ClipNormalizerOptions options)
        : base(env, nameof(ClipNormalizingTransformer))
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options.Clone();
        _lookup = ClipNormalization.CreateLookup(_options.Mean, _options.Std);
        OutputColumns = [StageColumn.SingleVector(_options.OutputColumnName, _options.FrameCount, 3, _options.Height, _options.Width)];
    }

    /// <summary>A copy of the options this transformer was created with.</summary>
    public ClipNormalizerOptions Options => _options.Clone();

    /// <inheritdoc/>
    internal override IReadOnlyList<StageColumn> OutputColumns { get; }

    static StageVersionInfo ILoadableStage<ClipNormalizingTransformer>.FormatVersion => Version;

    /// <inheritdoc/>
    private protected override StageVersionInfo FormatVersion => Version;

    static ClipNormalizingTransformer ILoadableStage<ClipNormalizingTransformer>.Load(IHostEnvironment env, StageLoadContext context)
    {
        var reader = context.Reader;
        var options = new ClipNormalizerOptions
        {
            InputColumnName = reader.ReadString(),
            OutputColumnName = reader.ReadString(),
            FrameCount = reader.ReadInt32(),
            Height = reader.ReadInt32(),
            Width = reader.ReadInt32(),
            Mean = [reader.ReadSingle(), reader.ReadSingle(), reader.ReadSingle()],
            Std = [reader.ReadSingle(), reader.ReadSingle(), reader.ReadSingle()],
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"Saved clip normaliser options are invalid: {e.Message}", e);
        }
        return new ClipNormalizingTransformer(env, options);
    }

    /// <inheritdoc/>
    private protected override void SaveModel(StageSaveContext context)
    {
        var writer = context.Writer;
        writer.Write(_options.InputColumnName);
        writer.Write(_options.OutputColumnName);
        writer.Write(_options.FrameCount);
        writer.Write(_options.Height);
        writer.Write(_options.Width);
        foreach (var m in _options.Mean) writer.Write(m);
        foreach (var s in _options.Std) writer.Write(s);
    }

    /// <inheritdoc/>
    private protected override StageMapping Bind(DataViewSchema inputSchema)
    {
        var input = StageSchema.RequireVector(inputSchema, _options.InputColumnName, NumberDataViewType.Byte,
            _options.FrameCount * _options.Height * _options.Width * 3);
        return new Mapping(this, inputSchema, input);
    }

    private sealed class Mapping(ClipNormalizingTransformer stage, DataViewSchema inputSchema, DataViewSchema.Column input)
        : StageMapping(inputSchema)
    {
        public override IReadOnlyList<DataViewSchema.Column> InputColumns { get; } = [input];

        public override StageWorker CreateWorker(DataViewRow row, IReadOnlyList<bool> activeOutputs, int capacity) =>
            new Worker(stage, row.GetGetter<VBuffer<byte>>(input), capacity);
    }

    private sealed class Worker(ClipNormalizingTransformer stage, ValueGetter<VBuffer<byte>> getter, int capacity) : StageWorker
    {
        private readonly VBuffer<byte>[] _frames = new VBuffer<byte>[capacity];
        private readonly float[][] _clips = new float[capacity][];
        private byte[] _dense = [];

        public override void Load(int slot) => getter(ref _frames[slot]);

        public override void Compute(int count)
        {
            var o = stage._options;
            int planes = o.Height * o.Width, size = o.FrameCount * planes * 3;
            for (int slot = 0; slot < count; slot++)
            {
                var clip = _clips[slot] ??= new float[size];
                ClipNormalization.Normalize(DenseValues(_frames[slot], size), clip, o.FrameCount, o.Height, o.Width, stage._lookup);
            }
        }

        public override Delegate GetSlotGetter(int outputIndex) => (SlotValueGetter<VBuffer<float>>)((int slot, ref VBuffer<float> value) =>
        {
            var clip = _clips[slot];
            var editor = VBufferEditor.Create(ref value, clip.Length);
            clip.AsSpan().CopyTo(editor.Values);
            value = editor.Commit();
        });

        private ReadOnlySpan<byte> DenseValues(in VBuffer<byte> frames, int size)
        {
            if (frames.Length != size)
                throw new InvalidOperationException($"Clip has {frames.Length} values, expected {size}.");
            if (frames.IsDense) return frames.GetValues();
            if (_dense.Length != size) _dense = new byte[size];
            Array.Clear(_dense);
            var values = frames.GetValues();
            var indices = frames.GetIndices();
            for (int i = 0; i < values.Length; i++) _dense[indices[i]] = values[i];
            return _dense;
        }
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// A fitted StA detector as an ML.NET transformer: appends <c>Score</c> (logit_fake − logit_real), <c>Probability</c>
/// (P(fake)) and <c>PredictedLabel</c> (Score &gt; 0) — the columns <c>mlContext.BinaryClassification.Evaluate</c>
/// reads — and optionally per-frame features. Cursors score rows in batches (per-clip semantics by default, so a clip's
/// score does not depend on its neighbours); PredictionEngine scores one clip at a time. Saved with
/// <c>mlContext.Model.Save</c>: options in the stage stream, weights as a separate <c>TSModel</c> entry (safetensors).
/// Obtain one from <see cref="StaTrainer"/> or <see cref="StaCatalog.LoadStaDetector"/>.
/// </summary>
public sealed class StaDetectionTransformer : ITransformer, ILoadableStage<StaDetectionTransformer>
{
    // Format versions:
    //   0x00010001: initial (detection options, network options, weights in the TSModel entry as safetensors).
    //   0x00010002: UseBf16OnCpu after UseBf16OnCuda.
    private const uint FormatWithCpuBf16 = 0x00010002;
    private static readonly StageVersionInfo Version = new(
        ModelSignature: "STADETEC", VerWrittenCur: FormatWithCpuBf16, VerReadableCur: FormatWithCpuBf16, VerWeCanReadBack: 0x00010001,
        LoaderSignature: "StaDetectionTransformer");

    internal const string WeightsEntry = "TSModel";

    private readonly StaDetectionOptions _options;
    private readonly StaDetector _detector;
    private readonly Device _device;
    private readonly int _clipLength;
    private readonly Stage _stage;

    /// <summary>Wraps <paramref name="detector"/> (ownership passes to the transformer).</summary>
    /// <param name="env">The environment (an <see cref="MLContext"/>).</param>
    /// <param name="detector">The network; it is put in eval mode and moved to <paramref name="device"/>.</param>
    /// <param name="options">Column names and scoring options (copied).</param>
    /// <param name="device">Where scoring runs; see <see cref="TorchDeviceSelector"/>.</param>
    public StaDetectionTransformer(IHostEnvironment env, StaDetector detector, StaDetectionOptions? options, Device device)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(detector);
        _options = (options ?? new StaDetectionOptions()).Clone();
        _options.Validate();
        _detector = detector;
        _device = device;
        _detector.to(device);
        _detector.eval();
        _detector.BatchSemantics = _options.BatchSemantics;
        foreach (var parameter in _detector.parameters()) parameter.requires_grad = false;
        ApplyPrecision();
        var network = _detector.Options;
        _clipLength = network.NumFrames * 3 * network.InputResolution * network.InputResolution;
        _stage = new Stage(env, this);
    }

    /// <summary>The network (for inspection, export or fine-tuning). Owned by this transformer.</summary>
    public StaDetector Detector => _detector;

    /// <summary>A copy of the scoring options.</summary>
    public StaDetectionOptions Options => _options.Clone();

    /// <summary>Where the network runs.</summary>
    public Device Device => _device;

    private IProgress<long>? _progress;

    /// <summary>
    /// Receives, from the thread that scores, the cumulative number of clips scored by each data view this transformer
    /// produced (all cursors of the data view together); optional.
    /// </summary>
    public IProgress<long>? Progress
    {
        get => _progress;
        set
        {
            _progress = value;
            _stage.Progress = value is null ? null : new RowsComputed(value);
        }
    }

    /// <summary>Passes a stage's row count on, without the stage name (always this transformer's).</summary>
    private sealed class RowsComputed(IProgress<long> clips) : IProgress<StageProgress>
    {
        public void Report(StageProgress value) => clips.Report(value.RowsComputed);
    }

    /// <inheritdoc/>
    public bool IsRowToRowMapper => _stage.IsRowToRowMapper;

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _stage.GetOutputSchema(inputSchema);

    /// <inheritdoc/>
    public IDataView Transform(IDataView input) => _stage.Transform(input);

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _stage.GetRowToRowMapper(inputSchema);

    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)_stage).Save(ctx);

    static StageVersionInfo ILoadableStage<StaDetectionTransformer>.FormatVersion => Version;

    /// <summary>
    /// Changes the precision of scoring from now on (and in a model saved afterwards): bf16 matmuls and convolutions with
    /// float32 master weights, LayerNorm/BatchNorm/softmax in float32 (see <see cref="StaDetectionOptions.UseBf16OnCpu"/>).
    /// </summary>
    public void SetBf16(bool onCuda, bool onCpu)
    {
        _options.UseBf16OnCuda = onCuda;
        _options.UseBf16OnCpu = onCpu;
        ApplyPrecision();
    }

    /// <summary>Whether scoring runs in bf16 on this transformer's device.</summary>
    public bool UsesBf16 => (_detector.ComputeType ?? StaPrecision.ComputeType(_detector)) == ScalarType.BFloat16;

    private void ApplyPrecision()
    {
        bool bf16 = _device.type == DeviceType.CUDA ? _options.UseBf16OnCuda : _options.UseBf16OnCpu;
        _detector.ComputeType = bf16 ? ScalarType.BFloat16 : null;
    }

    /// <summary>Scores one CLIP-normalised clip [T, 3, H, W] (convenience for code that does not use IDataView).</summary>
    public (float Score, float Probability) ScoreClip(ReadOnlySpan<float> clip)
    {
        var results = new (float, float)[1];
        ScoreBatch([clip.ToArray()], 1, results, null);
        return results[0];
    }

    internal void ScoreBatch(float[][] clips, int count, (float Score, float Probability)[] results, float[][]? features)
    {
        var network = _detector.Options;
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        // Not pinned: the scores are read right after the forward, so the host waits for the device either way.
        var input = HostBatch.Upload(HostBatch.Clips(clips, count, network, pinned: false), _device);
        using var output = _detector.forward(input);
        var logits = output.Logits.cpu().data<float>().ToArray();
        var probability = output.Probability.cpu().data<float>().ToArray();
        for (int i = 0; i < count; i++)
            results[i] = (logits[2 * i + 1] - logits[2 * i], probability[i]);
        if (features is not null)
        {
            // [B, Width, T, 1, 1] -> [B, T, Width]: one row of features per frame.
            var perFrame = output.Features.squeeze(-1).squeeze(-1).permute(0, 2, 1).contiguous().to_type(ScalarType.Float32).cpu().data<float>().ToArray();
            int size = network.NumFrames * network.Width;
            for (int i = 0; i < count; i++)
            {
                features[i] ??= new float[size];
                Array.Copy(perFrame, (long)i * size, features[i], 0, size);
            }
        }
    }

    static StaDetectionTransformer ILoadableStage<StaDetectionTransformer>.Load(IHostEnvironment env, StageLoadContext context)
    {
        var reader = context.Reader;
        var options = new StaDetectionOptions
        {
            ClipColumnName = reader.ReadString(),
            ScoreColumnName = reader.ReadString(),
            ProbabilityColumnName = reader.ReadString(),
            PredictedLabelColumnName = reader.ReadString(),
        };
        var features = reader.ReadString();
        options.FeaturesColumnName = features.Length == 0 ? null : features;
        options.BatchSize = reader.ReadInt32();
        options.BatchSemantics = (CrossAttentionBatchSemantics)reader.ReadInt32();
        options.UseBf16OnCuda = reader.ReadBoolean();
        if (context.FormatVersion >= FormatWithCpuBf16) options.UseBf16OnCpu = reader.ReadBoolean();
        var network = StaNetworkOptionsFormat.Read(reader);
        var detector = new StaDetector(network);
        try
        {
            context.LoadBinaryStream(WeightsEntry, weights =>
            {
                // The zip entry stream cannot seek; safetensors needs its header offsets, so buffer the entry first.
                using var buffer = new MemoryStream();
                weights.BaseStream.CopyTo(buffer);
                buffer.Position = 0;
                // The scope owns the entry's tensors and whatever the reader makes on the way (freed on return).
                using var scope = NewDisposeScope();
                var stateDict = Safetensors.LoadStateDict(buffer, leaveOpen: true);
                StateDictBinder.Apply(detector, stateDict, "the model's TSModel entry");
            });
            var device = env is MLContext mlContext ? TorchDeviceSelector.Select(mlContext) : CPU;
            return new StaDetectionTransformer(env, detector, options, device);
        }
        catch
        {
            detector.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Frees the network's native memory now instead of at garbage collection. The transformer is unusable afterwards.
    /// Deliberately not <see cref="IDisposable"/>: ML.NET disposes IDisposable transformers when a PredictionEngine
    /// built on them is disposed, which would silently kill a model that is still in use.
    /// </summary>
    public void ReleaseNetwork() => _detector.Dispose();

    /// <summary>
    /// The columns a detection stage with <paramref name="options"/> appends to its input (the trainer announces the same
    /// before fitting): Score, Probability, PredictedLabel, and the per-frame features [T, Width] when asked for.
    /// </summary>
    internal static IReadOnlyList<StageColumn> OutputColumnsOf(StaDetectionOptions options, StaNetworkOptions network)
    {
        var outputs = new List<StageColumn>
        {
            StageColumn.Single(options.ScoreColumnName),
            StageColumn.Single(options.ProbabilityColumnName),
            StageColumn.Boolean(options.PredictedLabelColumnName),
        };
        if (options.FeaturesColumnName is { } features) outputs.Add(StageColumn.SingleVector(features, network.NumFrames, network.Width));
        return outputs;
    }

    /// <summary>
    /// The ML.NET plumbing of the transformer: the library's internal append-columns stage, bound to the owner's network
    /// and options. It carries the owner's name, so progress reports and log lines name <see cref="StaDetectionTransformer"/>.
    /// </summary>
    private sealed class Stage(IHostEnvironment env, StaDetectionTransformer owner) : AppendColumnsTransformer(env, nameof(StaDetectionTransformer))
    {
        /// <inheritdoc/>
        internal override IReadOnlyList<StageColumn> OutputColumns { get; } = OutputColumnsOf(owner._options, owner._detector.Options);

        /// <inheritdoc/>
        private protected override StageVersionInfo FormatVersion => Version;

        /// <inheritdoc/>
        private protected override StageMapping Bind(DataViewSchema inputSchema)
        {
            var clip = StageSchema.RequireVector(inputSchema, owner._options.ClipColumnName, NumberDataViewType.Single, owner._clipLength);
            return new Mapping(owner, inputSchema, clip);
        }

        /// <inheritdoc/>
        private protected override void SaveModel(StageSaveContext context)
        {
            var writer = context.Writer;
            writer.Write(owner._options.ClipColumnName);
            writer.Write(owner._options.ScoreColumnName);
            writer.Write(owner._options.ProbabilityColumnName);
            writer.Write(owner._options.PredictedLabelColumnName);
            writer.Write(owner._options.FeaturesColumnName ?? "");
            writer.Write(owner._options.BatchSize);
            writer.Write((int)owner._options.BatchSemantics);
            writer.Write(owner._options.UseBf16OnCuda);
            writer.Write(owner._options.UseBf16OnCpu);
            StaNetworkOptionsFormat.Write(writer, owner._detector.Options);
            context.SaveBinaryStream(WeightsEntry, weights =>
            {
                // Weights are stored in float32 whatever precision the detector runs in, in PyTorch's key order.
                var stateDict = new Dictionary<string, Tensor>(StringComparer.Ordinal);
                using var scope = NewDisposeScope();
                foreach (var (key, value) in PyTorchStateDictOrder.Entries(owner._detector))
                    stateDict[key] = value.dtype == ScalarType.BFloat16 ? value.to_type(ScalarType.Float32).cpu() : value.cpu();
                Safetensors.SaveStateDict(weights.BaseStream, stateDict, leaveOpen: true);
            });
        }
    }

    private sealed class Mapping(StaDetectionTransformer stage, DataViewSchema inputSchema, DataViewSchema.Column clip) : StageMapping(inputSchema)
    {
        public override IReadOnlyList<DataViewSchema.Column> InputColumns { get; } = [clip];

        public override int BatchSize => stage._options.BatchSize;

        // Upstream decoding and face alignment of the next batch overlap the network on the current one.
        public override bool ReadsAhead => true;

        public override StageWorker CreateWorker(DataViewRow input, IReadOnlyList<bool> activeOutputs, int capacity) =>
            new Worker(stage, input.GetGetter<VBuffer<float>>(clip), activeOutputs, capacity);
    }

    private sealed class Worker : StageWorker
    {
        private readonly StaDetectionTransformer _stage;
        private readonly ValueGetter<VBuffer<float>> _getter;
        private readonly float[][] _clips;
        private readonly (float Score, float Probability)[] _results;
        private readonly float[][]? _features;
        private VBuffer<float> _row;

        public Worker(StaDetectionTransformer stage, ValueGetter<VBuffer<float>> getter, IReadOnlyList<bool> activeOutputs, int capacity)
        {
            _stage = stage;
            _getter = getter;
            _clips = new float[capacity][];
            _results = new (float, float)[capacity];
            _features = activeOutputs.Count > 3 && activeOutputs[3] ? new float[capacity][] : null;
        }

        public override void Load(int slot)
        {
            _getter(ref _row);
            var clip = _clips[slot] ??= new float[_stage._clipLength];
            if (_row.Length != clip.Length)
                throw new InvalidOperationException($"Clip column '{_stage._options.ClipColumnName}' has {_row.Length} values; the network needs {clip.Length}.");
            _row.CopyTo(clip);
            foreach (var value in _row.GetValues())
            {
                if (!float.IsFinite(value))
                    throw new InvalidDataException($"Clip column '{_stage._options.ClipColumnName}' holds NaN or infinite values; refusing to score garbage.");
            }
        }

        public override void Compute(int count) => _stage.ScoreBatch(_clips, count, _results, _features);

        public override Delegate GetSlotGetter(int outputIndex) => outputIndex switch
        {
            0 => (SlotValueGetter<float>)((int slot, ref float value) => value = _results[slot].Score),
            1 => (SlotValueGetter<float>)((int slot, ref float value) => value = _results[slot].Probability),
            2 => (SlotValueGetter<bool>)((int slot, ref bool value) => value = _results[slot].Score > 0),
            3 => (SlotValueGetter<VBuffer<float>>)((int slot, ref VBuffer<float> value) =>
            {
                var source = _features![slot];
                var editor = VBufferEditor.Create(ref value, source.Length);
                source.AsSpan().CopyTo(editor.Values);
                value = editor.Commit();
            }),
            _ => throw new ArgumentOutOfRangeException(nameof(outputIndex)),
        };
    }
}

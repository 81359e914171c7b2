using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Sta.MLNet;

namespace Sta.MLNet.Onnx;

/// <summary>
/// Turns the <c>logits</c> column of an exported StA network (what <c>ApplyOnnxModel</c> appends) into the columns the
/// TorchSharp stage <see cref="StaDetectionTransformer"/> appends: <c>Score</c> = logit(fake) − logit(real),
/// <c>Probability</c> = softmax(logits)[1] = P(fake), <c>PredictedLabel</c> = Score &gt; 0, so
/// <c>BinaryClassification.Evaluate</c> and the rest of a pipeline work the same on either runtime. Saved with the
/// model; register it before loading (<see cref="StaOnnxCatalog.Register"/>). Create it with
/// <see cref="StaOnnxCatalog.StaScoresFromLogits"/> or <see cref="StaOnnxCatalog.ApplyStaOnnxModel"/>.
/// </summary>
internal sealed class StaLogitsScoringTransformer : AppendColumnsTransformer, ILoadableStage<StaLogitsScoringTransformer>
{
    // Format versions:
    //   0x00010001: initial (logits column, output column names).
    private static readonly StageVersionInfo Version = new(
        ModelSignature: "STALOGIT", VerWrittenCur: 0x00010001, VerReadableCur: 0x00010001, VerWeCanReadBack: 0x00010001,
        LoaderSignature: "StaLogitsScoring");

    private readonly string _logitsColumn;

    internal StaLogitsScoringTransformer(IHostEnvironment env, string logitsColumnName, string scoreColumnName, string probabilityColumnName,
        string predictedLabelColumnName)
        : base(env, nameof(StaLogitsScoringTransformer))
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(logitsColumnName);
        _logitsColumn = logitsColumnName;
        OutputColumns =
        [
            StageColumn.Single(scoreColumnName), StageColumn.Single(probabilityColumnName), StageColumn.Boolean(predictedLabelColumnName),
        ];
        if (OutputColumns.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count() != 3)
            throw new ArgumentException("The score, probability and predicted-label columns need distinct names.");
    }

    /// <inheritdoc/>
    internal override IReadOnlyList<StageColumn> OutputColumns { get; }

    static StageVersionInfo ILoadableStage<StaLogitsScoringTransformer>.FormatVersion => Version;

    /// <inheritdoc/>
    private protected override StageVersionInfo FormatVersion => Version;

    static StaLogitsScoringTransformer ILoadableStage<StaLogitsScoringTransformer>.Load(IHostEnvironment env, StageLoadContext context)
    {
        var reader = context.Reader;
        return new StaLogitsScoringTransformer(env, reader.ReadString(), reader.ReadString(), reader.ReadString(), reader.ReadString());
    }

    /// <inheritdoc/>
    private protected override void SaveModel(StageSaveContext context)
    {
        context.Writer.Write(_logitsColumn);
        foreach (var column in OutputColumns) context.Writer.Write(column.Name);
    }

    /// <inheritdoc/>
    private protected override StageMapping Bind(DataViewSchema inputSchema)
    {
        var logits = StageSchema.RequireColumn(inputSchema, _logitsColumn,
            t => t is VectorDataViewType { ItemType: var item } && item == NumberDataViewType.Single, "Vector<Single> of at least 2 logits");
        return new Mapping(inputSchema, logits);
    }

    /// <summary>Score and P(fake) of one clip's logits (class 0 = real, class 1 = fake).</summary>
    internal static (float Score, float Probability) FromLogits(ReadOnlySpan<float> logits)
    {
        if (logits.Length < 2) throw new InvalidDataException($"The logits column holds {logits.Length} value(s); a StA network gives at least 2.");
        double max = double.NegativeInfinity;
        foreach (var value in logits)
        {
            if (!float.IsFinite(value)) throw new InvalidDataException("The logits column holds NaN or infinite values.");
            max = Math.Max(max, value);
        }
        double sum = 0;
        foreach (var value in logits) sum += Math.Exp(value - max);
        return (logits[1] - logits[0], (float)(Math.Exp(logits[1] - max) / sum));
    }

    private sealed class Mapping(DataViewSchema inputSchema, DataViewSchema.Column logits) : StageMapping(inputSchema)
    {
        public override IReadOnlyList<DataViewSchema.Column> InputColumns { get; } = [logits];

        public override StageWorker CreateWorker(DataViewRow input, IReadOnlyList<bool> activeOutputs, int capacity) =>
            new Worker(input.GetGetter<VBuffer<float>>(logits), capacity);
    }

    private sealed class Worker(ValueGetter<VBuffer<float>> getter, int capacity) : StageWorker
    {
        private readonly (float Score, float Probability)[] _results = new (float, float)[capacity];
        private VBuffer<float> _row;

        public override void Load(int slot)
        {
            getter(ref _row);
            _results[slot] = FromLogits(_row.DenseValues().ToArray());
        }

        public override void Compute(int count)
        {
        }

        public override Delegate GetSlotGetter(int outputIndex) => outputIndex switch
        {
            0 => (SlotValueGetter<float>)((int slot, ref float value) => value = _results[slot].Score),
            1 => (SlotValueGetter<float>)((int slot, ref float value) => value = _results[slot].Probability),
            2 => (SlotValueGetter<bool>)((int slot, ref bool value) => value = _results[slot].Score > 0),
            _ => throw new ArgumentOutOfRangeException(nameof(outputIndex)),
        };
    }
}

/// <summary>The estimator of <see cref="StaLogitsScoringTransformer"/> (nothing to learn).</summary>
internal sealed class StaLogitsScoringEstimator : TrivialAppendColumnsEstimator<StaLogitsScoringTransformer>
{
    private readonly string _logitsColumn;

    internal StaLogitsScoringEstimator(MLContext mlContext, StaLogitsScoringTransformer transformer, string logitsColumnName)
        : base(mlContext, nameof(StaLogitsScoringEstimator), transformer) => _logitsColumn = logitsColumnName;

    /// <inheritdoc/>
    private protected override void CheckInputShape(SchemaShape inputSchema) =>
        StageSchema.RequireShapeColumn(inputSchema, _logitsColumn, NumberDataViewType.Single, SchemaShape.Column.VectorKind.Vector);
}

using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Sta.MLNet;

namespace Sta.MLNet.Tests.Pipelines;

/// <summary>
/// A stateful test stage standing in for the network transformer: <see cref="WeightedSumEstimator.Fit"/> learns a
/// weight vector (the mean of the training feature vectors), the transformer appends one column of every supported type
/// computed from features x weights, computes in batches, and saves its weights as a separate binary entry
/// (<see cref="WeightsEntry"/>) like the network's TSModel entry.
/// </summary>
internal sealed class WeightedSumTransformer : AppendColumnsTransformer, ILoadableStage<WeightedSumTransformer>
{
    public const string WeightsEntry = "Weights";

    // Format versions:
    //   0x00010001: initial (input column, batch size, weight count; weights in the "Weights" entry).
    private static readonly StageVersionInfo Version = new("TSTWSUM1", 0x00010001, 0x00010001, 0x00010001, "StaTestWeightedSum");

    private readonly string _inputColumn;
    private readonly float[] _weights;

    public WeightedSumTransformer(IHostEnvironment env, string inputColumn, float[] weights, int batchSize)
        : base(env, nameof(WeightedSumTransformer))
    {
        if (weights.Length % 2 != 0) throw new ArgumentException("Needs an even number of weights.", nameof(weights));
        _inputColumn = inputColumn;
        _weights = weights;
        BatchSize = batchSize;
        OutputColumns =
        [
            StageColumn.Single("Score"), StageColumn.Boolean("Positive"), StageColumn.Int32("Floor"),
            StageColumn.Int64("Milli"), StageColumn.Text("Sign"), StageColumn.SingleVector("Products", 2, weights.Length / 2),
        ];
    }

    public int BatchSize { get; }

    public IReadOnlyList<float> Weights => _weights;

    /// <summary>Sizes of every Compute call, to prove batching happens.</summary>
    public List<int> ComputedBatchSizes { get; } = [];

    /// <summary>Lets cursors read the next batch on a background thread (<see cref="StageMapping.ReadsAhead"/>).</summary>
    public bool ReadsAhead { get; set; }

    /// <summary>Runs at the start of every Compute call with the batch size (tests observe or block the computation).</summary>
    public Action<int>? BeforeCompute { get; set; }

    internal override IReadOnlyList<StageColumn> OutputColumns { get; }

    static StageVersionInfo ILoadableStage<WeightedSumTransformer>.FormatVersion => Version;

    private protected override StageVersionInfo FormatVersion => Version;

    static WeightedSumTransformer ILoadableStage<WeightedSumTransformer>.Load(IHostEnvironment env, StageLoadContext context)
    {
        var input = context.Reader.ReadString();
        var batchSize = context.Reader.ReadInt32();
        var count = context.Reader.ReadInt32();
        var weights = new float[count];
        context.LoadBinaryStream(WeightsEntry, reader =>
        {
            for (int i = 0; i < count; i++) weights[i] = reader.ReadSingle();
        });
        return new WeightedSumTransformer(env, input, weights, batchSize);
    }

    private protected override void SaveModel(StageSaveContext context)
    {
        context.Writer.Write(_inputColumn);
        context.Writer.Write(BatchSize);
        context.Writer.Write(_weights.Length);
        context.SaveBinaryStream(WeightsEntry, writer =>
        {
            foreach (var w in _weights) writer.Write(w);
        });
    }

    private protected override StageMapping Bind(DataViewSchema inputSchema) =>
        new Mapping(this, inputSchema, StageSchema.RequireVector(inputSchema, _inputColumn, NumberDataViewType.Single, _weights.Length));

    private sealed class Mapping(WeightedSumTransformer stage, DataViewSchema schema, DataViewSchema.Column input) : StageMapping(schema)
    {
        public override IReadOnlyList<DataViewSchema.Column> InputColumns { get; } = [input];

        public override int BatchSize => stage.BatchSize;

        public override bool ReadsAhead => stage.ReadsAhead;

        public override StageWorker CreateWorker(DataViewRow row, IReadOnlyList<bool> activeOutputs, int capacity) =>
            new Worker(stage, row.GetGetter<VBuffer<float>>(input), capacity);
    }

    private sealed class Worker(WeightedSumTransformer stage, ValueGetter<VBuffer<float>> getter, int capacity) : StageWorker
    {
        private readonly VBuffer<float>[] _inputs = new VBuffer<float>[capacity];
        private readonly float[] _scores = new float[capacity];
        private readonly float[][] _products = new float[capacity][];

        public override void Load(int slot) => getter(ref _inputs[slot]);

        public override void Compute(int count)
        {
            stage.BeforeCompute?.Invoke(count);
            lock (stage.ComputedBatchSizes) stage.ComputedBatchSizes.Add(count);
            for (int s = 0; s < count; s++)
            {
                var x = _inputs[s].DenseValues().ToArray();
                var products = _products[s] ??= new float[x.Length];
                float sum = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    products[i] = x[i] * stage._weights[i];
                    sum += products[i];
                }
                _scores[s] = sum;
            }
        }

        public override Delegate GetSlotGetter(int outputIndex) => outputIndex switch
        {
            0 => (SlotValueGetter<float>)((int s, ref float v) => v = _scores[s]),
            1 => (SlotValueGetter<bool>)((int s, ref bool v) => v = _scores[s] > 0),
            2 => (SlotValueGetter<int>)((int s, ref int v) => v = (int)MathF.Floor(_scores[s])),
            3 => (SlotValueGetter<long>)((int s, ref long v) => v = (long)Math.Round(_scores[s] * 1000.0)),
            4 => (SlotValueGetter<ReadOnlyMemory<char>>)((int s, ref ReadOnlyMemory<char> v) => v = (_scores[s] > 0 ? "pos" : "neg").AsMemory()),
            5 => (SlotValueGetter<VBuffer<float>>)((int s, ref VBuffer<float> v) =>
            {
                var editor = VBufferEditor.Create(ref v, _products[s].Length);
                _products[s].CopyTo(editor.Values);
                v = editor.Commit();
            }),
            _ => throw new ArgumentOutOfRangeException(nameof(outputIndex)),
        };
    }
}

/// <summary>Learns the weights of <see cref="WeightedSumTransformer"/>: the mean feature vector of the training data.</summary>
internal sealed class WeightedSumEstimator(MLContext mlContext, string inputColumn, int size, int batchSize)
    : AppendColumnsEstimator<WeightedSumTransformer>(mlContext, nameof(WeightedSumEstimator))
{
    internal override IReadOnlyList<StageColumn> OutputColumns { get; } =
        new WeightedSumTransformer(mlContext, inputColumn, new float[size], batchSize).OutputColumns;

    /// <summary>Whether the fitted stage reads ahead (not saved: a reloaded stage does not).</summary>
    public bool ReadsAhead { get; init; }

    private protected override void CheckInputShape(SchemaShape inputSchema) =>
        StageSchema.RequireShapeColumn(inputSchema, inputColumn, NumberDataViewType.Single, SchemaShape.Column.VectorKind.Vector);

    public override WeightedSumTransformer Fit(IDataView input)
    {
        var column = StageSchema.RequireVector(input.Schema, inputColumn, NumberDataViewType.Single, size);
        var sum = new double[size];
        long rows = 0;
        using (var cursor = input.GetRowCursor([column]))
        {
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            VBuffer<float> value = default;
            while (cursor.MoveNext())
            {
                getter(ref value);
                var dense = value.DenseValues().ToArray();
                for (int i = 0; i < size; i++) sum[i] += dense[i];
                rows++;
            }
        }
        if (rows == 0) throw new InvalidOperationException("No training rows.");
        return new WeightedSumTransformer(mlContext, inputColumn, sum.Select(s => (float)(s / rows)).ToArray(), batchSize) { ReadsAhead = ReadsAhead };
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;
using Sta.MLNet;

namespace Sta.MLNet.Tests.Pipelines;

public class AppendColumnsTransformerTests
{
    private const int Size = 4;

    public sealed class FeatureRow
    {
        [VectorType(Size)] public float[] Features { get; set; } = [];
        public string Id { get; set; } = "";
        public int Index { get; set; }
    }

    public sealed class ScoreRow
    {
        public float Score { get; set; }
        public bool Positive { get; set; }
        public int Floor { get; set; }
        public long Milli { get; set; }
        public string Sign { get; set; } = "";
        [VectorType(2, Size / 2)] public float[] Products { get; set; } = [];
    }

    private sealed class TextFeatureRow
    {
        public string Features { get; set; } = "";
    }

    private static FeatureRow[] Rows(int count) =>
        Enumerable.Range(0, count).Select(i => new FeatureRow
        {
            Features = [i - 3.5f, 0.25f * i, (i % 3) - 1f, 1.5f - 0.5f * i],
            Id = $"row{i}",
            Index = i,
        }).ToArray();

    private static void RegisterTestStage(MLContext ml) => StaMLNet.RegisterStage<WeightedSumTransformer>(ml);

    [Theory]
    [InlineData(1, false)]
    [InlineData(3, false)]
    [InlineData(3, true)]
    public void StatefulStagePassesEstimatorChecks(int batchSize, bool readAhead)
    {
        var ml = new MLContext(seed: 1);
        var valid = ml.Data.LoadFromEnumerable(Rows(7));
        var invalid = ml.Data.LoadFromEnumerable([new TextFeatureRow { Features = "1 2 3 4" }]);
        var estimator = new WeightedSumEstimator(ml, "Features", Size, batchSize) { ReadsAhead = readAhead };
        var result = EstimatorChecks.Check(ml, estimator, valid, invalid, RegisterTestStage);

        var fitted = (WeightedSumTransformer)result.Fitted;
        var reloaded = Assert.IsType<WeightedSumTransformer>(result.Reloaded);
        Assert.Equal(fitted.Weights, reloaded.Weights);
        Assert.Equal(batchSize, reloaded.BatchSize);
        EstimatorChecks.CheckPredictionEngine<FeatureRow, ScoreRow>(result.ReloadedContext, result.Reloaded, valid, result.Transformed);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BatchedCursorComputesWholeBatchesAndPassesInputsThrough(bool readAhead)
    {
        var ml = new MLContext(seed: 1);
        var rows = Rows(7);
        var data = ml.Data.LoadFromEnumerable(rows);
        var transformer = new WeightedSumEstimator(ml, "Features", Size, batchSize: 3).Fit(data);
        transformer.ReadsAhead = readAhead;
        var progress = new List<StageProgress>();
        transformer.Progress = new SynchronousProgress<StageProgress>(progress.Add);

        var output = ml.Data.CreateEnumerable<CombinedRow>(transformer.Transform(data), reuseRowObject: false).ToList();

        Assert.Equal([3, 3, 1], transformer.ComputedBatchSizes);
        Assert.Equal([3L, 6L, 7L], progress.Select(p => p.RowsComputed));
        for (int i = 0; i < rows.Length; i++)
        {
            Assert.Equal(rows[i].Id, output[i].Id);
            Assert.Equal(rows[i].Index, output[i].Index);
            Assert.Equal(rows[i].Features, output[i].Features);
            var expected = rows[i].Features.Select((x, k) => x * transformer.Weights[k]).ToArray();
            Assert.Equal(expected, output[i].Products);
            Assert.Equal(expected.Aggregate(0f, (a, b) => a + b), output[i].Score);
        }
    }

    [Fact]
    public void ReadingAheadFillsTheNextBatchWhileTheCurrentOneIsComputed()
    {
        var ml = new MLContext(seed: 1);
        var rows = Rows(9);
        using var secondBatchRead = new ManualResetEventSlim();
        var threads = new System.Collections.Concurrent.ConcurrentBag<int>();
        IEnumerable<FeatureRow> Upstream()
        {
            for (int i = 0; i < rows.Length; i++)
            {
                threads.Add(Environment.CurrentManagedThreadId);
                if (i == 3) secondBatchRead.Set();
                yield return rows[i];
            }
        }
        var data = ml.Data.LoadFromEnumerable(Upstream());
        var transformer = new WeightedSumEstimator(ml, "Features", Size, batchSize: 3).Fit(ml.Data.LoadFromEnumerable(rows));
        transformer.ReadsAhead = true;
        bool first = true;
        // The first batch's computation waits for the upstream to reach the second batch: without reading ahead the
        // second batch is read only after this computation returns, and the wait runs out.
        transformer.BeforeCompute = _ =>
        {
            if (!first) return;
            first = false;
            // Without reading ahead this wait could never end: the timeout only turns that deadlock into a failure.
            Assert.True(secondBatchRead.Wait(TimeSpan.FromMinutes(5)), "The next batch was not read while the current one was computed.");
        };
        var output = ml.Data.CreateEnumerable<CombinedRow>(transformer.Transform(data), reuseRowObject: false).ToList();
        Assert.Equal(rows.Select(r => r.Id), output.Select(o => o.Id));
        Assert.Equal([3, 3, 3], transformer.ComputedBatchSizes);
        Assert.True(threads.Distinct().Count() > 1, "Every row was read on the cursor's thread.");
    }

    [Fact]
    public void AnUpstreamErrorWhileReadingAheadReachesTheConsumerAfterTheRowsBeforeIt()
    {
        var ml = new MLContext(seed: 1);
        var rows = Rows(7);
        IEnumerable<FeatureRow> Upstream()
        {
            for (int i = 0; i < rows.Length; i++)
            {
                if (i == 4) throw new InvalidDataException("row 4 is broken");
                yield return rows[i];
            }
        }
        var transformer = new WeightedSumEstimator(ml, "Features", Size, batchSize: 2).Fit(ml.Data.LoadFromEnumerable(rows));
        transformer.ReadsAhead = true;
        var output = transformer.Transform(ml.Data.LoadFromEnumerable(Upstream()));
        var seen = new List<string>();
        using var cursor = output.GetRowCursor(output.Schema);
        var id = cursor.GetGetter<ReadOnlyMemory<char>>(output.Schema["Id"]);
        var score = cursor.GetGetter<float>(output.Schema["Score"]);
        var error = Assert.Throws<InvalidDataException>(() =>
        {
            while (cursor.MoveNext())
            {
                ReadOnlyMemory<char> value = default;
                float s = 0;
                id(ref value);
                score(ref s);
                seen.Add(value.ToString());
            }
        });
        Assert.Equal("row 4 is broken", error.Message);
        Assert.Equal(["row0", "row1", "row2", "row3"], seen);
    }

    [Fact]
    public void UnreadAppendedColumnsAreNeverComputed()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows(5));
        var transformer = new WeightedSumEstimator(ml, "Features", Size, batchSize: 2).Fit(data);
        var output = transformer.Transform(data);

        using (var cursor = output.GetRowCursor([output.Schema["Id"]]))
            while (cursor.MoveNext()) { }
        Assert.Empty(transformer.ComputedBatchSizes);

        // Active but never read: still lazy, per batch.
        using (var cursor = output.GetRowCursor(output.Schema))
        {
            var score = cursor.GetGetter<float>(output.Schema["Score"]);
            Assert.True(cursor.MoveNext());
            Assert.Empty(transformer.ComputedBatchSizes);
            float value = 0;
            score(ref value);
            score(ref value);
            Assert.Equal([2], transformer.ComputedBatchSizes);
        }
    }

    [Fact]
    public void GetterOfWrongTypeOrInactiveColumnThrows()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows(2));
        var output = new WeightedSumEstimator(ml, "Features", Size, 1).Fit(data).Transform(data);
        using var cursor = output.GetRowCursor([output.Schema["Score"]]);
        Assert.Throws<InvalidOperationException>(() => cursor.GetGetter<double>(output.Schema["Score"]));
        Assert.Throws<InvalidOperationException>(() => cursor.GetGetter<bool>(output.Schema["Positive"]));
    }

    [Fact]
    public void ChainsWithBuiltInStagesAndCacheCheckpoint()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows(6));
        var pipeline = ml.Transforms.NormalizeMinMax("Features")
            .AppendCacheCheckpoint(ml)
            .Append(new WeightedSumEstimator(ml, "Features", Size, batchSize: 4))
            .Append(ml.Transforms.Conversion.MapValueToKey("SignKey", "Sign"));
        var model = pipeline.Fit(data);
        var expected = EstimatorChecks.ReadAll(model.Transform(data));

        var fresh = new MLContext(seed: 2);
        RegisterTestStage(fresh);
        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var reloaded = fresh.Model.Load(stream, out _);
        Assert.Equal(expected, EstimatorChecks.ReadAll(reloaded.Transform(data)));

        // PredictionEngine composes the chain's row mappers (built-in ones before and after ours).
        using var engine = fresh.Model.CreatePredictionEngine<FeatureRow, ScoreRow>(reloaded);
        var transformed = ml.Data.CreateEnumerable<ScoreRow>(model.Transform(data), reuseRowObject: false).ToList();
        var rows = Rows(6);
        for (int i = 0; i < rows.Length; i++)
        {
            var predicted = engine.Predict(rows[i]);
            Assert.Equal(transformed[i].Score, predicted.Score);
            Assert.Equal(transformed[i].Products, predicted.Products);
            Assert.Equal(transformed[i].Sign, predicted.Sign);
        }
    }

    public sealed class CombinedRow
    {
        [VectorType(Size)] public float[] Features { get; set; } = [];
        public string Id { get; set; } = "";
        public int Index { get; set; }
        public float Score { get; set; }
        [VectorType(2, Size / 2)] public float[] Products { get; set; } = [];
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

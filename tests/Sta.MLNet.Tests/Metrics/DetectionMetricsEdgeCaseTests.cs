using System.Text.Json;
using Sta.MLNet;
using Sta.MLNet.Tests.Fixtures;

namespace Sta.MLNet.Tests.Metrics;

/// <summary>Edge cases against sklearn 1.2.1 (expected values from tests/reference/metrics_edge_cases.py), and input checks.</summary>
public class DetectionMetricsEdgeCaseTests
{
    private static readonly string CasesFile =
        Path.Combine(FixturePaths.RepositoryRoot, "tests", "Sta.MLNet.Tests", "Metrics", "metrics_edge_cases.json");

    public static TheoryData<string> CaseNames()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(CasesFile));
        var data = new TheoryData<string>();
        foreach (var c in document.RootElement.GetProperty("cases").EnumerateArray()) data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesSklearn(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(CasesFile));
        var c = document.RootElement.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        var labels = c.GetProperty("labels").EnumerateArray().Select(e => e.GetInt32() != 0).ToList();
        var scores = c.GetProperty("scores").EnumerateArray().Select(e => e.GetDouble()).ToList();

        var metrics = DetectionMetrics.Compute(scores, labels);
        Assert.Equal(c.GetProperty("auc").GetDouble(), metrics.Auc, 1e-12);
        Assert.Equal(c.GetProperty("ap").GetDouble(), metrics.AveragePrecision, 1e-12);
        Assert.Equal(c.GetProperty("eer").GetDouble(), metrics.Eer);
        Assert.Equal(c.GetProperty("acc").GetDouble(), metrics.Accuracy);
        var roc = RocCurve.Compute(scores, labels);
        Assert.Equal(c.GetProperty("eer_index").GetInt32(), roc.EqualErrorRate().Index);
        Assert.Equal(MetricsFixture.Doubles(c.GetProperty("roc").GetProperty("fpr")), roc.FalsePositiveRates);
        Assert.Equal(MetricsFixture.Doubles(c.GetProperty("roc").GetProperty("tpr")), roc.TruePositiveRates);
        Assert.Equal(MetricsFixture.Doubles(c.GetProperty("roc").GetProperty("thresholds")), roc.Thresholds);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void OneClassGivesNaNRankingMetricsButAnAccuracy(bool label)
    {
        var metrics = DetectionMetrics.Compute([0.2, 0.7, 0.9], [label, label, label]);
        Assert.True(double.IsNaN(metrics.Auc));
        Assert.True(double.IsNaN(metrics.Eer));
        Assert.True(double.IsNaN(metrics.AveragePrecision));
        Assert.Equal(label ? 2.0 / 3 : 1.0 / 3, metrics.Accuracy, 1e-15);
        Assert.Equal(label ? 3 : 0, metrics.PositiveCount);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void NonFiniteScoresAreRejected(double bad)
    {
        var error = Assert.Throws<ArgumentException>(() => DetectionMetrics.Compute([0.1, bad, 0.9], [false, true, true]));
        Assert.Contains("Score 1", error.Message);
        Assert.Throws<ArgumentException>(() => VideoAggregation.Aggregate([new LabeledScore("v", true, bad)]));
    }

    [Fact]
    public void EmptyOrMismatchedInputIsRejected()
    {
        Assert.Throws<ArgumentException>(() => DetectionMetrics.Compute([], []));
        Assert.Throws<ArgumentException>(() => DetectionMetrics.Compute([0.5, 0.6], [true]));
    }

    [Fact]
    public void AccuracyThresholdIsStrict()
    {
        var metrics = DetectionMetrics.Compute([0.5, 0.5], [false, true]);
        Assert.Equal(0.5, metrics.Accuracy);
        Assert.Equal(1.0, DetectionMetrics.Compute([0.5, 0.5], [false, false]).Accuracy);
    }

    [Fact]
    public void VideoLabelIsIntOfMeanAndScoreIsOrderedMean()
    {
        var videos = VideoAggregation.Aggregate(
        [
            new LabeledScore("b", true, 0.25), new LabeledScore("a", true, 0.5), new LabeledScore("b", false, 0.75),
            new LabeledScore("a", true, 1.0), new LabeledScore("c", false, 0.1),
        ]);
        Assert.Equal(["b", "a", "c"], videos.Select(v => v.VideoId));
        Assert.Equal(new LabeledScore("b", false, 0.5, 2), videos[0]);
        Assert.Equal(new LabeledScore("a", true, 0.75, 2), videos[1]);
        Assert.Equal(new LabeledScore("c", false, 0.1, 1), videos[2]);
    }

    [Fact]
    public void ScoreConversionKeepsOrderTiesAndSign()
    {
        Assert.Equal(float.MaxValue, BinaryScore.FromProbability(1.0));
        Assert.Equal(-float.MaxValue, BinaryScore.FromProbability(0.0));
        Assert.Equal(0f, BinaryScore.FromProbability(0.5));
        Assert.True(BinaryScore.FromProbability(0.5000001) > 0);
        Assert.True(BinaryScore.FromProbability(0.99) < BinaryScore.FromProbability(0.999));
        Assert.Equal(0.75f, BinaryScore.ToProbability(BinaryScore.FromProbability(0.75)), 1e-6f);
        Assert.Throws<ArgumentOutOfRangeException>(() => BinaryScore.FromProbability(1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => BinaryScore.FromProbability(double.NaN));
    }
}

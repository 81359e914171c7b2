using System.Text.Json;
using Microsoft.ML;
using Sta.MLNet;

namespace Sta.MLNet.Tests.Metrics;

/// <summary>Parity with sklearn 1.2.1 / DeepfakeBench on every metrics case of the preprocess fixtures.</summary>
public class DetectionMetricsParityTests
{
    public static TheoryData<string, string, string, double> Cases => MetricsFixture.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void ClipAndVideoMetricsMatch(string name, string folder, string file, double tolerance)
    {
        var fixture = MetricsFixture.Load(folder, file);
        var clips = fixture.Clips;
        var videos = VideoAggregation.Aggregate(clips);

        // Video scores: exact (float64 sum in list order / count), labels int(mean), order of first appearance.
        Assert.Equal(fixture.Videos.Select(v => v.VideoId).Order(StringComparer.Ordinal), videos.Select(v => v.VideoId).Order(StringComparer.Ordinal));
        var expectedVideos = fixture.Videos.ToDictionary(v => v.VideoId);
        foreach (var video in videos)
            Assert.Equal(expectedVideos[video.VideoId], video);

        AssertLevel(name, "clip", fixture.Level("clip_level"), clips.Select(c => c.Probability).ToList(), clips.Select(c => c.Label).ToList(), tolerance);
        AssertLevel(name, "video", fixture.Level("video_level"), videos.Select(v => v.Probability).ToList(), videos.Select(v => v.Label).ToList(), tolerance);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DataViewEvaluationGivesTheSameMetricsAndAgreesWithMLNet(string name, string folder, string file, double tolerance)
    {
        var fixture = MetricsFixture.Load(folder, file);
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(fixture.Clips.Select(ScoredClip.From));
        var result = ml.EvaluateDetection(data);

        var clipLevel = fixture.Level("clip_level");
        var videoLevel = fixture.Level("video_level");
        Assert.True(Math.Abs(clipLevel.GetProperty("auc").GetDouble() - result.Clip.Auc) <= tolerance, $"{name}: clip AUC {result.Clip.Auc}");
        Assert.Equal(clipLevel.GetProperty("eer").GetDouble(), result.Clip.Eer);
        Assert.Equal(clipLevel.GetProperty("acc").GetDouble(), result.Clip.Accuracy);
        Assert.True(Math.Abs(videoLevel.GetProperty("auc").GetDouble() - result.Video.Auc) <= tolerance, $"{name}: video AUC {result.Video.Auc}");
        Assert.True(Math.Abs(videoLevel.GetProperty("ap").GetDouble() - result.Video.AveragePrecision) <= tolerance, $"{name}: video AP");
        Assert.Equal(videoLevel.GetProperty("eer").GetDouble(), result.Video.Eer);
        Assert.Equal(videoLevel.GetProperty("acc").GetDouble(), result.Video.Accuracy);

        // ML.NET's AUC is the same quantity (Mann-Whitney with ties counted half) and its accuracy uses Score > 0,
        // which equals Probability > 0.5 because Score is the logit.
        Assert.Equal(result.Clip.Auc, result.ClipMetrics.AreaUnderRocCurve, 1e-9);
        Assert.Equal(result.Video.Auc, result.VideoMetrics.AreaUnderRocCurve, 1e-9);
        Assert.Equal(result.Clip.Accuracy, result.ClipMetrics.Accuracy, 1e-12);
        Assert.Equal(result.Video.Accuracy, result.VideoMetrics.Accuracy, 1e-12);
    }

    [Fact]
    public void PublicCaseReachesTheReadmesTwelveDigitTolerance()
    {
        // README of the fixtures: AUC and AP are reproducible to 1e-12 (numpy's pairwise summation is mirrored).
        var fixture = MetricsFixture.Load(Fixtures.FixturePaths.Fixture("preprocess"), "metrics.json");
        var clips = fixture.Clips;
        var videos = VideoAggregation.Aggregate(clips);
        foreach (var (level, scores, labels) in new[]
        {
            ("clip_level", clips.Select(c => c.Probability).ToList(), clips.Select(c => c.Label).ToList()),
            ("video_level", videos.Select(v => v.Probability).ToList(), videos.Select(v => v.Label).ToList()),
        })
        {
            var expected = fixture.Level(level);
            var metrics = DetectionMetrics.Compute(scores, labels);
            Assert.Equal(expected.GetProperty("auc").GetDouble(), metrics.Auc, 1e-12);
            Assert.Equal(expected.GetProperty("ap").GetDouble(), metrics.AveragePrecision, 1e-12);
        }
    }

    private static void AssertLevel(string name, string level, JsonElement expected, IReadOnlyList<double> scores, IReadOnlyList<bool> labels, double tolerance)
    {
        var metrics = DetectionMetrics.Compute(scores, labels);
        var what = $"{name} ({level})";
        Assert.Equal(expected.GetProperty("n").GetInt32(), metrics.Count);
        Assert.Equal(expected.GetProperty("n_pos").GetInt32(), metrics.PositiveCount);
        Assert.True(Math.Abs(expected.GetProperty("auc").GetDouble() - metrics.Auc) <= tolerance,
            $"{what}: AUC {metrics.Auc:R}, expected {expected.GetProperty("auc").GetDouble():R}");
        Assert.True(Math.Abs(expected.GetProperty("ap").GetDouble() - metrics.AveragePrecision) <= tolerance,
            $"{what}: AP {metrics.AveragePrecision:R}, expected {expected.GetProperty("ap").GetDouble():R}");
        Assert.True(expected.GetProperty("eer").GetDouble() == metrics.Eer, $"{what}: EER {metrics.Eer:R}, expected {expected.GetProperty("eer").GetDouble():R}");
        Assert.True(expected.GetProperty("acc").GetDouble() == metrics.Accuracy, $"{what}: ACC {metrics.Accuracy:R}");

        // The thinned and the full ROC, point by point (thresholds in sklearn 1.2's convention), and the EER index.
        AssertRoc(what + " roc", expected.GetProperty("roc"), RocCurve.Compute(scores, labels));
        AssertRoc(what + " roc_full", expected.GetProperty("roc_full"), RocCurve.Compute(scores, labels, dropIntermediate: false));
        Assert.Equal(expected.GetProperty("eer_index").GetInt32(), RocCurve.Compute(scores, labels).EqualErrorRate().Index);
        Assert.True(Math.Abs(expected.GetProperty("auc_full_roc").GetDouble() - RocCurve.Compute(scores, labels, false).Area()) <= tolerance);
    }

    private static void AssertRoc(string what, JsonElement expected, RocCurve actual)
    {
        Assert.True(MetricsFixture.Doubles(expected.GetProperty("fpr")).SequenceEqual(actual.FalsePositiveRates), $"{what}: fpr differs");
        Assert.True(MetricsFixture.Doubles(expected.GetProperty("tpr")).SequenceEqual(actual.TruePositiveRates), $"{what}: tpr differs");
        Assert.True(MetricsFixture.Doubles(expected.GetProperty("thresholds")).SequenceEqual(actual.Thresholds), $"{what}: thresholds differ");
    }

    public sealed class ScoredClip
    {
        public string VideoId { get; set; } = "";
        public bool Label { get; set; }
        public float Probability { get; set; }
        public float Score { get; set; }
        public bool PredictedLabel { get; set; }

        public static ScoredClip From(LabeledScore clip) => new()
        {
            VideoId = clip.VideoId,
            Label = clip.Label,
            Probability = (float)clip.Probability,
            Score = BinaryScore.FromProbability(clip.Probability),
            PredictedLabel = clip.Probability > 0.5,
        };
    }
}

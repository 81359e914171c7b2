using Microsoft.ML;
using Microsoft.ML.Data;
using Sta.MLNet;

namespace Sta.MLNet.Tests.Metrics;

public class DetectionEvaluationCatalogTests
{
    public sealed class ClipRow
    {
        public string VideoId { get; set; } = "";
        public bool Label { get; set; }
        public float Probability { get; set; }
    }

    public sealed class FloatLabelRow
    {
        public string VideoId { get; set; } = "";
        public float Label { get; set; }
        public double Probability { get; set; }
    }

    private sealed class VideoOut
    {
        public string VideoId { get; set; } = "";
        public bool Label { get; set; }
        public int ClipCount { get; set; }
        public float Probability { get; set; }
        public float Score { get; set; }
        public bool PredictedLabel { get; set; }
    }

    [Fact]
    public void AggregatesClipsToOneRowPerVideo()
    {
        var ml = new MLContext(seed: 1);
        var clips = ml.Data.LoadFromEnumerable(new[]
        {
            new ClipRow { VideoId = "FF-DF_001", Label = true, Probability = 0.75f },
            new ClipRow { VideoId = "FF-real_002", Label = false, Probability = 0.25f },
            new ClipRow { VideoId = "FF-DF_001", Label = true, Probability = 0.5f },
        });
        var videos = ml.Data.CreateEnumerable<VideoOut>(ml.AggregateClipsToVideos(clips), reuseRowObject: false).ToList();
        Assert.Equal(2, videos.Count);
        Assert.Equal(("FF-DF_001", true, 2, 0.625f, true), (videos[0].VideoId, videos[0].Label, videos[0].ClipCount, videos[0].Probability, videos[0].PredictedLabel));
        Assert.Equal(BinaryScore.FromProbability(0.625), videos[0].Score);
        Assert.Equal(("FF-real_002", false, 1, 0.25f, false), (videos[1].VideoId, videos[1].Label, videos[1].ClipCount, videos[1].Probability, videos[1].PredictedLabel));
    }

    [Fact]
    public void NumericLabelsAreReadAsNonZeroAndWrongColumnsAreNamed()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[]
        {
            new FloatLabelRow { VideoId = "a", Label = 1f, Probability = 0.9 },
            new FloatLabelRow { VideoId = "b", Label = 0f, Probability = 0.2 },
        });
        var clips = StaCatalog.ReadClipScores(data);
        Assert.Equal([new LabeledScore("a", true, 0.9), new LabeledScore("b", false, 0.2)], clips);

        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => StaCatalog.ReadClipScores(data, videoIdColumnName: "Video"));
        Assert.Contains("'Video'", missing.Message);
        var wrongType = Assert.Throws<ArgumentOutOfRangeException>(() => StaCatalog.ReadClipScores(data, videoIdColumnName: "Label"));
        Assert.Contains("expected Text", wrongType.Message);
    }

    public sealed class TrainingRow
    {
        public string VideoId { get; set; } = "";
        public bool Label { get; set; }
        [VectorType(1)] public float[] Features { get; set; } = [];
    }

    [Fact]
    public void CrossValidationKeepsEveryVideoInOneFold()
    {
        var ml = new MLContext(seed: 3);
        var random = new Random(5);
        var rows = new List<TrainingRow>();
        for (int v = 0; v < 40; v++)
        {
            bool fake = v % 2 == 0;
            for (int c = 0; c < 4; c++)
                rows.Add(new TrainingRow { VideoId = $"{(fake ? "FF-DF" : "FF-real")}_{v:000}", Label = fake, Features = [(fake ? 0.6f : 0.4f) + (float)(random.NextDouble() - 0.5) * 0.6f] });
        }
        var data = ml.Data.LoadFromEnumerable(rows);
        var estimator = ml.BinaryClassification.Trainers.LbfgsLogisticRegression();

        var folds = ml.CrossValidateDetection(data, estimator, numberOfFolds: 4, seed: 11);

        Assert.Equal(4, folds.Count);
        var owner = new Dictionary<string, int>();
        foreach (var fold in folds)
        {
            foreach (var clip in StaCatalog.ReadClipScores(fold.ScoredHoldOutSet))
            {
                Assert.True(owner.TryAdd(clip.VideoId, fold.Fold) || owner[clip.VideoId] == fold.Fold,
                    $"Video {clip.VideoId} has clips in folds {owner[clip.VideoId]} and {fold.Fold}.");
            }
            Assert.Equal(fold.Detection.Clip.Count, fold.Detection.Videos.Sum(v => v.ClipCount));
            Assert.All(fold.Detection.Videos, v => Assert.Equal(4, v.ClipCount));
            Assert.InRange(fold.Detection.Video.Auc, 0.5, 1.0);
            Assert.Equal(fold.Metrics.AreaUnderRocCurve, fold.Detection.ClipMetrics.AreaUnderRocCurve, 1e-12);
        }
        Assert.Equal(40, owner.Count);
    }
}

using Microsoft.ML;
using Sta.MLNet;
using Sta.MLNet.Tests.Data;
using Sta.MLNet.Tests.Pipelines;

namespace Sta.MLNet.Tests.Clips;

public class ClipSourceTrainingTests
{
    [Fact]
    public void DeepfakeBenchSourceTrainsAndEvaluatesTheDetector()
    {
        // The source's default column names are the trainer's and the evaluator's: no renaming in between.
        var tree = new SyntheticDeepfakeBenchTree("clip-train");
        for (var v = 0; v < 4; v++)
            tree.AddVideo("UADFV", v % 2 == 0 ? "UADFV_Real" : "UADFV_Fake", "train", null, "videos", $"v{v}", Enumerable.Range(0, 16).ToArray());
        var json = tree.WriteJson("UADFV.json");
        var ml = new MLContext(seed: 1);
        var source = (VideoClipSourceDataView)ml.LoadDeepfakeBenchClips(json, new DeepfakeBenchOptions { FrameRoot = tree.Root, Split = DatasetSplit.Train },
            new VideoClipSourceOptions { FrontEnd = new FaceClipOptions { ClipSize = 32 } });

        var model = ml.StaTrainer(StaTrainerTests.TinyOptions()).Fit(source);
        var detection = ml.EvaluateDetection(model.Transform(source));
        Assert.Equal(8, detection.Clip.Count);
        Assert.Equal(4, detection.Video.Count);
        Assert.Empty(source.Issues);
    }
}

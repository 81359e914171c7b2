using Microsoft.ML;
using Sta.MLNet;
using Sta.MLNet.Tests.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet.Tests.Explanation;

public class ClipExplainerTests
{
    private static float[] RandomClip(int seed)
    {
        using var clips = TestNetworks.RandomClips(1, StaPresets.Tiny, seed);
        return clips.data<float>().ToArray();
    }

    [Fact]
    public void AMapHasOneValuePerPixelOfEveryFrameInZeroToOneWithItsPeakAtOne()
    {
        using var detector = TestNetworks.RandomTiny(seed: 4);
        var explainer = new ClipExplainer(detector);
        var heat = explainer.Explain(RandomClip(5));

        Assert.Equal(8, heat.FrameCount);
        Assert.Equal(32, heat.Size);
        Assert.Equal(8 * 32 * 32, heat.Heat.Length);
        Assert.True(heat.Peak > 0);
        Assert.All(heat.Heat.ToArray(), v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(1f, heat.Heat.ToArray().Max());
        // The pass's score and probability are the network's for that clip.
        var stage = new StaDetectionTransformer(new MLContext(seed: 1), TestNetworks.RandomTiny(seed: 4), null, CPU);
        var (score, probability) = stage.ScoreClip(RandomClip(5));
        Assert.Equal(score, heat.Score, 4);
        Assert.Equal(probability, heat.Probability, 4);
        stage.ReleaseNetwork();
    }

    [Fact]
    public void TheSameClipGivesTheSameMapAndTheWeightsGetNoGradient()
    {
        using var detector = TestNetworks.RandomTiny(seed: 4);
        foreach (var parameter in detector.parameters()) parameter.requires_grad = true; // as during fine-tuning
        var explainer = new ClipExplainer(detector);
        var clip = RandomClip(6);
        var first = explainer.Explain(clip).Heat.ToArray();
        var second = explainer.Explain(clip).Heat.ToArray();

        Assert.Equal(first, second);
        Assert.All(detector.parameters(), p => Assert.True(p.grad is null, "the explainer left a gradient on a weight"));
    }

    [Fact]
    public void AClipWithoutFrameToFrameChangeHasNoHeat()
    {
        using var detector = TestNetworks.RandomTiny(seed: 4);
        var still = RandomClip(7);
        int frame = 3 * 32 * 32;
        for (int t = 1; t < 8; t++) Array.Copy(still, 0, still, t * frame, frame);

        var heat = new ClipExplainer(detector).Explain(still);

        Assert.Equal(0f, heat.Peak);
        Assert.All(heat.Heat.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void ExplainingWhileOtherThreadsScoreWithTheSameNetworkChangesNoResult()
    {
        var stage = new StaDetectionTransformer(new MLContext(seed: 1), TestNetworks.RandomTiny(seed: 8), null, CPU);
        var explainer = new ClipExplainer(stage);
        var clips = Enumerable.Range(0, 4).Select(i => RandomClip(20 + i)).ToArray();
        var quietMaps = clips.Select(c => explainer.Explain(c).Heat.ToArray()).ToArray();
        var quietScores = clips.Select(c => stage.ScoreClip(c)).ToArray();

        var maps = new float[4][][];
        var scores = new (float, float)[4][];
        var threads = Enumerable.Range(0, 4).Select(worker => new Thread(() =>
        {
            // Two threads explain (gradients on), two score (gradients off) through the same network.
            if (worker % 2 == 0)
                maps[worker] = clips.Select(c => new ClipExplainer(stage).Explain(c).Heat.ToArray()).ToArray();
            else
                scores[worker] = clips.Select(c => stage.ScoreClip(c)).ToArray();
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => Assert.True(t.Join(TimeSpan.FromMinutes(5)), "a thread did not finish (deadlock guard)"));

        foreach (var worker in new[] { 0, 2 })
            for (int i = 0; i < clips.Length; i++) Assert.Equal(quietMaps[i], maps[worker][i]);
        foreach (var worker in new[] { 1, 3 })
            Assert.Equal(quietScores, scores[worker]);
        stage.ReleaseNetwork();
    }

    [Fact]
    public void AClipOfTheWrongShapeIsRefused()
    {
        using var detector = TestNetworks.RandomTiny(seed: 4);
        var error = Assert.Throws<ArgumentException>(() => new ClipExplainer(detector).Explain(new float[100]));
        Assert.Contains("8x3x32x32", error.Message);
    }

    [Fact]
    public void PoolingSumsEachSquareAndDividesByTheLargest()
    {
        var heat = new float[2 * 4 * 4];
        heat[0] = 1f;          // frame 0, pixel (0, 0) -> square (0, 0)
        heat[5] = 0.5f;        // frame 0, pixel (1, 1) -> square (0, 0)
        heat[16 + 15] = 0.75f; // frame 1, pixel (3, 3) -> square (1, 1)
        var explanation = new ClipExplanation(1f, 0.7f, 2, 4, heat, 2f);

        var pooled = explanation.Pool(2);

        Assert.Equal([1f, 0, 0, 0, 0, 0, 0, 0.5f], pooled);
    }
}

using Microsoft.ML;
using OpenCvSharp;
using Sta.MLNet;
using Sta.MLNet.Samples.Quickstart;
using Sta.MLNet.Tests.Network;
using Sta.MLNet.Tests.Quickstart;
using Xunit.Abstractions;

namespace Sta.MLNet.Tests.Explanation;

/// <summary>
/// Sanity checks of the heat maps on the Quickstart's model (docs/explanations.md): they depend on what the network
/// learnt (model randomisation, Adebayo et al. 2018), and on a Video-level Blending fake they point at what the blending
/// changed. Both use the Quickstart's held-out camera paths (seeds 100-102, never trained on) of both photos, two clips
/// each, made fake by Video-level Blending with the Quickstart's blend settings: 12 fakes.
/// </summary>
[Collection(QuickstartModelCollection.Name)]
public sealed class HeatMapSanityTests(QuickstartModel quickstart, ITestOutputHelper output)
{
    /// <summary>Pixels whose RGB values the blend moved by at least this much in total (8 levels per channel on average).</summary>
    private const int ChangedThreshold = 24;

    private sealed record Fake(RgbClip Real, RgbClip Clip, float[] Landmarks);

    private static readonly Lazy<IReadOnlyList<Fake>> HeldOutFakes = new(() =>
    {
        var fakes = new List<Fake>();
        using var generator = new PhotoMotionClipGenerator(DemoSettings.Motion);
        foreach (var video in DemoSettings.Videos(firstMotionSeed: 100, count: 3))
        {
            for (int clip = 0; clip < video.ClipCount; clip++)
            {
                var real = generator.GenerateClip(video, clip);
                using var blender = new VideoBlender((ulong)(77 + fakes.Count), DemoSettings.DemoBlend);
                fakes.Add(new Fake(real.Frames, blender.BlendClip(real.Frames, real.Landmarks, fakes.Count), real.Landmarks));
            }
        }
        return fakes;
    });

    private static float[] Normalised(RgbClip clip)
    {
        var values = new float[clip.FrameCount * 3 * clip.Height * clip.Width];
        ClipNormalization.Normalize(clip.Pixels, values, clip.FrameCount, clip.Height, clip.Width);
        return values;
    }

    [Fact]
    public void HeatMapsChangeWhenTheWeightsAreRandomised()
    {
        var trained = new ClipExplainer(quickstart.Detector);
        // A freshly initialised network (adapters are identities, as training starts) and one with every path active.
        using var initial = new StaDetector(StaPresets.Tiny, seed: 11);
        initial.eval();
        using var scrambled = TestNetworks.RandomTiny(seed: 12);
        foreach (var (name, network) in new[] { ("re-initialised", initial), ("randomised", scrambled) })
        {
            var random = new ClipExplainer(network);
            var correlations = HeldOutFakes.Value.Select(f =>
            {
                var clip = Normalised(f.Clip);
                return SpearmanCorrelation(trained.Explain(clip).Heat, random.Explain(clip).Heat);
            }).ToList();
            output.WriteLine($"{name}: rank correlation with the trained model's maps: mean {correlations.Average():F3}, max {correlations.Max():F3}");
            // A map that did not depend on the weights (e.g. one led by the clip's own frame-to-frame change) would
            // correlate near 1 here; the bar of 0.5 is far from both that and from the 0.01-0.09 measured.
            Assert.All(correlations, r => Assert.True(r < 0.5, $"{name}: a map correlates {r:F3} with the trained model's"));
            Assert.True(correlations.Average() < 0.25, $"{name}: mean rank correlation {correlations.Average():F3}");
        }
    }

    [Fact]
    public void OnVideoLevelBlendingFakesTheHeatFallsInTheBlendedRegionMoreThanItsShareOfTheFace()
    {
        var explainer = new ClipExplainer(quickstart.Detector);
        double heatInRegion = 0, heatOnFace = 0, regionArea = 0, faceArea = 0;
        int clipsAboveShare = 0;
        foreach (var fake in HeldOutFakes.Value)
        {
            var heat = explainer.Explain(Normalised(fake.Clip));
            Assert.True(heat.Probability > 0.5, $"the Quickstart model should call a held-out VB fake fake; P(fake) = {heat.Probability:F3}");
            var (inRegion, onFace, region, face) = Overlap(fake, heat);
            output.WriteLine($"P(fake) {heat.Probability:F3}: {inRegion / onFace:F3} of the heat on the face is in the blended region, which is {region / face:F3} of the face");
            if (inRegion / onFace > region / face) clipsAboveShare++;
            heatInRegion += inRegion;
            heatOnFace += onFace;
            regionArea += region;
            faceArea += face;
        }
        output.WriteLine($"all 12: {heatInRegion / heatOnFace:F3} of the heat vs {regionArea / faceArea:F3} of the area; {clipsAboveShare} clips above their share");
        Assert.True(heatInRegion / heatOnFace > regionArea / faceArea,
            $"{heatInRegion / heatOnFace:F3} of the heat on the faces is in the blended regions, which cover {regionArea / faceArea:F3} of them");
        // If the heat fell independently of the blended region, each clip would beat its share with probability about
        // 1/2; 10 or more of 12 then happens with probability 0.019.
        Assert.True(clipsAboveShare >= 10, $"only {clipsAboveShare} of 12 clips have more heat in their blended region than its share of the face");
    }

    /// <summary>
    /// Heat in the blended region (pixels the blend visibly changed) and on the face (the convex hull of the frame's 68
    /// landmarks, plus the blended region where it spills over), and the areas of both, summed over the clip's frames.
    /// </summary>
    private static (double InRegion, double OnFace, double Region, double Face) Overlap(Fake fake, ClipExplanation heat)
    {
        int frames = fake.Clip.FrameCount, size = fake.Clip.Width;
        double inRegion = 0, onFace = 0, region = 0, face = 0;
        for (int t = 0; t < frames; t++)
        {
            using var hull = new Mat(size, size, MatType.CV_8UC1, Scalar.All(0));
            var points = Enumerable.Range(0, 68)
                .Select(p => new Point((int)Math.Round(fake.Landmarks[(t * 68 + p) * 2]), (int)Math.Round(fake.Landmarks[(t * 68 + p) * 2 + 1])))
                .ToArray();
            Cv2.FillConvexPoly(hull, Cv2.ConvexHull(points), Scalar.All(1));
            var map = heat.Frame(t);
            for (int y = 0; y < size; y++)
            {
                for (int x = 0; x < size; x++)
                {
                    int pixel = (t * size + y) * size + x, change = 0;
                    for (int c = 0; c < 3; c++) change += Math.Abs(fake.Clip.Pixels[pixel * 3 + c] - fake.Real.Pixels[pixel * 3 + c]);
                    bool blended = change >= ChangedThreshold;
                    if (!blended && hull.At<byte>(y, x) == 0) continue;
                    face++;
                    onFace += map[y * size + x];
                    if (!blended) continue;
                    region++;
                    inRegion += map[y * size + x];
                }
            }
        }
        return (inRegion, onFace, region, face);
    }

    private static double SpearmanCorrelation(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var ra = Ranks(a);
        var rb = Ranks(b);
        double ma = ra.Average(), mb = rb.Average(), ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < ra.Length; i++)
        {
            ab += (ra[i] - ma) * (rb[i] - mb);
            aa += (ra[i] - ma) * (ra[i] - ma);
            bb += (rb[i] - mb) * (rb[i] - mb);
        }
        return aa == 0 || bb == 0 ? 0 : ab / Math.Sqrt(aa * bb);
    }

    /// <summary>Ranks with ties given their mean rank (many heat values are exactly 0).</summary>
    private static double[] Ranks(ReadOnlySpan<float> values)
    {
        var copy = values.ToArray();
        var order = Enumerable.Range(0, copy.Length).OrderBy(i => copy[i]).ToArray();
        var ranks = new double[copy.Length];
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            while (end + 1 < order.Length && copy[order[end + 1]] == copy[order[start]]) end++;
            for (int k = start; k <= end; k++) ranks[order[k]] = (start + end) / 2.0;
            start = end + 1;
        }
        return ranks;
    }
}

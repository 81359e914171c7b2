using OpenCvSharp;
using Sta.MLNet;
using Sta.MLNet.Tests.Network;
using Sta.MLNet.Tests.Video;

namespace Sta.MLNet.Tests.Explanation;

public class StaExplainerTests
{
    private static readonly FaceClipOptions TinyInput = new() { Sampling = ClipSamplingOptions.Consecutive, ClipSize = 32 };

    [Fact]
    public async Task TheScoreIsTheScorersAndTheMostSuspiciousClipsGetHeatMapsOfTheFacesTheNetworkSaw()
    {
        var detector = TestNetworks.RandomTinyStage();
        var scoring = new VideoScoringOptions { FrontEnd = TinyInput, BatchSize = 4 };
        var explainer = new StaExplainer(detector, scoring, new VideoExplanationOptions { ExplainedClips = 2 });
        var reports = new List<double>();
        var result = await explainer.ExplainVideoAsync(TestVideos.FaceMotionH264, new InlineProgress(reports.Add));
        var alone = await new StaVideoScorer(detector, scoring).ScoreVideoAsync(TestVideos.FaceMotionH264);

        Assert.Null(result.Score.Error);
        // Batches may be composed differently in two runs, which changes rounding only.
        Assert.Equal(alone.Clips.Select(c => c.ClipIndex), result.Score.Clips.Select(c => c.ClipIndex));
        foreach (var (a, b) in alone.Clips.Zip(result.Score.Clips)) Assert.Equal(a.Probability, b.Probability, 4);
        Assert.Equal(result.Score.Clips.Select(c => c.ClipIndex), result.Clips.Select(c => c.Score.ClipIndex));
        var suspicious = result.Clips.OrderByDescending(c => c.Score.Probability).Take(2).Select(c => c.Score.ClipIndex).ToHashSet();
        Assert.Equal(suspicious, result.Clips.Where(c => c.HeatMap is not null).Select(c => c.Score.ClipIndex).ToHashSet());

        // The faces are the network's input exactly: normalising them gives the clip the front end makes.
        using var extractor = new FaceClipExtractor(TinyInput);
        var clip = new float[TinyInput.ClipLength];
        var normalised = new float[TinyInput.ClipLength];
        var landmarks = new float[TinyInput.LandmarksLength];
        foreach (var evidence in result.Clips)
        {
            extractor.ExtractClip(TestVideos.FaceMotionH264, evidence.Score.ClipIndex, clip, landmarks);
            ClipNormalization.Normalize(evidence.Faces.Pixels, normalised, 8, 32, 32);
            Assert.Equal(clip, normalised);
            if (evidence.HeatMap is { } heat)
                Assert.Equal(new ClipExplainer(detector).Explain(clip).Heat.ToArray(), heat.Heat.ToArray());
        }

        Assert.Equal(reports.Order(), reports);
        Assert.Equal(1.0, reports[^1]);
        detector.ReleaseNetwork();
    }

    [Fact]
    public async Task ABadVideoComesBackWithTheScorersErrorAndNoEvidence()
    {
        var detector = TestNetworks.RandomTinyStage();
        var explainer = new StaExplainer(detector, new VideoScoringOptions { FrontEnd = TinyInput });

        var result = await explainer.ExplainVideoAsync(TestVideos.TextFileNamedMp4);

        Assert.IsAssignableFrom<VideoDecodeException>(result.Score.Error);
        Assert.Empty(result.Clips);
        Assert.Equal(result.Score.Error!.Message, VideoScoreResult.ErrorOf(result.Score));
        detector.ReleaseNetwork();
    }

    [Fact]
    public async Task FacesAreKeptForAtMostTheConfiguredNumberOfClipsTheMostSuspiciousOnes()
    {
        var detector = TestNetworks.RandomTinyStage();
        var scoring = new VideoScoringOptions { FrontEnd = TinyInput };
        var explainer = new StaExplainer(detector, scoring, new VideoExplanationOptions { ExplainedClips = 1, MaxClipsWithFaces = 3 });

        var result = await explainer.ExplainVideoAsync(TestVideos.FaceMotionH264);

        Assert.True(result.Score.Clips.Count > 3);
        var top = result.Score.Clips.OrderByDescending(c => c.Probability).Take(3).Select(c => c.ClipIndex).Order();
        Assert.Equal(top, result.Clips.Select(c => c.Score.ClipIndex));
        Assert.Single(result.Clips, c => c.HeatMap is not null);
        detector.ReleaseNetwork();
    }

    [Fact]
    public void StripsArePngsWithOneCellPerFrameAtTheDisplaySize()
    {
        using var detector = TestNetworks.RandomTiny(seed: 4);
        var explainer = new ClipExplainer(detector);
        using var clips = TestNetworks.RandomClips(1, StaPresets.Tiny, seed: 9);
        var values = clips.data<float>().ToArray();
        var faces = new byte[8 * 32 * 32 * 3];
        ClipNormalization.Denormalize(values, faces, 8, 32, 32);
        var rgb = new Sta.MLNet.RgbClip(faces, 8, 32, 32);
        var heat = explainer.Explain(values);

        Assert.Equal(128, HeatMapImages.DisplaySize(32));
        Assert.Equal(224, HeatMapImages.DisplaySize(224));
        using var facesStrip = Cv2.ImDecode(HeatMapImages.FacesPng(rgb), ImreadModes.Color);
        using var overlay = Cv2.ImDecode(HeatMapImages.OverlayPng(rgb, heat, explainer.PatchSize), ImreadModes.Color);
        Assert.Equal((128, 8 * 128), (facesStrip.Rows, facesStrip.Cols));
        Assert.Equal((128, 8 * 128), (overlay.Rows, overlay.Cols));
        var path = Path.Combine(TestVideos.NewScratchFolder("strips"), "clip.png");
        HeatMapImages.WriteStrip(path, rgb, heat, explainer.PatchSize);
        using var both = Cv2.ImRead(path);
        Assert.Equal((2 * 128, 8 * 128), (both.Rows, both.Cols));
        // The top row is the faces, enlarged by whole pixels: cell (0, 0) of the strip is face pixel (0, 0).
        var expected = new Vec3b(faces[2], faces[1], faces[0]);
        Assert.Equal(expected, both.At<Vec3b>(3, 3));
    }

    private sealed class InlineProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value)
        {
            lock (this) report(value);
        }
    }
}

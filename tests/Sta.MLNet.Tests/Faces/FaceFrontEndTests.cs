using System.Text.Json;
using OpenCvSharp;
using Sta.MLNet;
using Sta.MLNet.Tests.Fixtures;
using Xunit.Abstractions;

namespace Sta.MLNet.Tests.Faces;

public class FaceFrontEndTests
{
    private readonly ITestOutputHelper _output;

    public FaceFrontEndTests(ITestOutputHelper output) => _output = output;

    private static string FixtureFile(string name) => Path.Combine(FixturePaths.Fixture("preprocess"), name);

    private static FaceFrontEnd CreateFrontEnd(CascadeFaceDetector detector, int size) =>
        new(detector, DlibShapePredictor.FromFile(), new FaceAligner(new FaceAlignmentOptions { OutputSize = size }));

    [Fact]
    public void DlibBoxReproducesTheDemoCropEndToEnd()
    {
        // Image -> predictor on dlib's box -> five integer points -> float32 similarity -> warp, compared with the
        // crop the upstream demo wrote.
        using var detector = new CascadeFaceDetector();
        var frontEnd = CreateFrontEnd(detector, 224);
        using var image = Cv2.ImRead(FixtureFile("astronaut.png"), ImreadModes.Color);
        using var expected = Cv2.ImRead(FixtureFile("astronaut.align224.png"), ImreadModes.Color);
        using var result = frontEnd.AlignBox(image, new FaceBox(175, 76, 265, 166));

        using var spec = JsonDocument.Parse(File.ReadAllText(FixtureFile("astronaut.align.json")));
        var source = PreprocessFixtureCases.ReadPoints(spec.RootElement.GetProperty("src_points"));
        for (var i = 0; i < source.Length; i++)
        {
            Assert.Equal(source[i][0], result.Aligned.SourcePoints[i].X);
            Assert.Equal(source[i][1], result.Aligned.SourcePoints[i].Y);
        }

        using var difference = new Mat();
        Cv2.Absdiff(result.Aligned.Image, expected, difference);
        using var flat = difference.Reshape(1);
        Cv2.MinMaxLoc(flat, out _, out double max);
        var differing = Cv2.CountNonZero(flat);
        _output.WriteLine($"end-to-end 224 crop vs demo: max {max}, {differing} values differ");
        Assert.True(max <= 3 && differing < flat.Total() / 1000, $"crop differs by up to {max} on {differing} values");
    }

    [Fact]
    public void HaarFrontEndAlignsTheAstronaut()
    {
        using var detector = new CascadeFaceDetector();
        var frontEnd = CreateFrontEnd(detector, 224);
        using var image = Cv2.ImRead(FixtureFile("astronaut.png"), ImreadModes.Color);
        using var result = frontEnd.ProcessImage(image);
        Assert.NotNull(result);
        Assert.True(result.Detected);
        Assert.Equal(new Size(224, 224), result.Aligned.Image.Size());
        Assert.Equal(68, result.CropLandmarks.Count);

        // The cascade box differs from dlib's [175, 76, 265, 166]; the predictor is robust to that.
        using var spec = JsonDocument.Parse(File.ReadAllText(FixtureFile("astronaut.align.json")));
        var source = PreprocessFixtureCases.ReadPoints(spec.RootElement.GetProperty("src_points"));
        var maxShift = source.Select((p, i) => Math.Max(Math.Abs(result.Aligned.SourcePoints[i].X - p[0]), Math.Abs(result.Aligned.SourcePoints[i].Y - p[1]))).Max();
        _output.WriteLine($"Haar box {result.Box}: alignment points within {maxShift} px of dlib's");
        Assert.True(maxShift <= 2, $"alignment points moved by {maxShift} px with the Haar box");

        for (var i = 0; i < result.CropLandmarks.Count; i++)
        {
            var mapped = result.Aligned.Transform.Apply(result.Landmarks.Points[i]);
            Assert.Equal(mapped.X, result.CropLandmarks[i].X, 9);
            Assert.Equal(mapped.Y, result.CropLandmarks[i].Y, 9);
        }
        // The nose tip (30) lands near its template position in the crop.
        var nose = result.CropLandmarks[30];
        var template = result.Aligned.DestinationPoints[2];
        Assert.True(Math.Abs(nose.X - template.X) < 10 && Math.Abs(nose.Y - template.Y) < 10, $"nose at {nose}, template {template}");
    }

    [Fact]
    public void ClipFramesWithoutFaceBorrowTheNearestBox()
    {
        using var detector = new CascadeFaceDetector();
        var frontEnd = CreateFrontEnd(detector, 256);
        using var image = Cv2.ImRead(FixtureFile("astronaut.png"), ImreadModes.Color);
        using var black = new Mat(image.Size(), image.Type(), Scalar.All(0));
        using var clip = frontEnd.ProcessClip([image, black, image]);
        Assert.False(clip.IsFaceless);
        Assert.Equal(1, clip.FramesWithoutFace);
        Assert.False(clip.Faces.Frames[1].Detected);
        Assert.Equal(0, clip.Faces.Frames[1].SourceFrameIndex);
        Assert.All(clip.Frames, f => Assert.NotNull(f));
        Assert.False(clip.Frames[1]!.Detected);
        Assert.Equal(clip.Frames[0]!.Box, clip.Frames[1]!.Box);
        Assert.Equal(new Size(256, 256), clip.Frames[1]!.Aligned.Image.Size());
    }

    [Fact]
    public void ClipWithoutFacesIsFaceless()
    {
        using var detector = new CascadeFaceDetector();
        var frontEnd = CreateFrontEnd(detector, 224);
        using var black = new Mat(360, 640, MatType.CV_8UC3, Scalar.All(0));
        using var clip = frontEnd.ProcessClip([black, black]);
        Assert.True(clip.IsFaceless);
        Assert.Equal(2, clip.FramesWithoutFace);
        Assert.All(clip.Frames, Assert.Null);
    }

    [Fact]
    public void PredictorReadsGreyImagesAndColourAlike()
    {
        var predictor = DlibShapePredictor.FromFile();
        using var image = Cv2.ImRead(FixtureFile("astronaut.png"), ImreadModes.Color);
        var box = new FaceBox(175, 76, 265, 166);
        var fromMat = predictor.Predict(image, box);
        var fromGrey = predictor.Predict(GreyImage.FromMat(image), box);
        using var rgb = new Mat();
        Cv2.CvtColor(image, rgb, ColorConversionCodes.BGR2RGB);
        var fromRgb = predictor.Predict(rgb, box);
        Assert.Equal(fromMat.NormalizedShape, fromGrey.NormalizedShape);
        Assert.Equal(fromMat.NormalizedShape, fromRgb.NormalizedShape);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ClipStaysOnTheFirstPersonWhenALargerFaceAppears(bool searchNearPreviousFace)
    {
        using var detector = new CascadeFaceDetector();
        var frontEnd = new FaceFrontEnd(detector, DlibShapePredictor.FromFile(), new FaceAligner(),
            options: new FaceFrontEndOptions { SearchNearPreviousFace = searchNearPreviousFace });
        using var astronaut = Cv2.ImRead(FixtureFile("astronaut.png"), ImreadModes.Color);
        using var alone = new Mat(770, 1330, MatType.CV_8UC3, Scalar.All(100));
        using (var left = new Mat(alone, new Rect(0, 0, 512, 512)))
            astronaut.CopyTo(left);
        using var both = alone.Clone();
        using (var larger = new Mat())
        {
            Cv2.Resize(astronaut, larger, new Size(768, 768), interpolation: InterpolationFlags.Area);
            using var right = new Mat(both, new Rect(560, 0, 768, 768));
            larger.CopyTo(right);
        }
        var largestInBoth = FaceTrackSelector.Largest(detector.Detect(both));
        Assert.True(largestInBoth?.Left > 560, $"test setup: the larger face should be on the right, got {largestInBoth}");

        using var clip = frontEnd.ProcessClip([alone, both, both]);
        Assert.Equal(0, clip.FramesWithoutFace);
        Assert.All(clip.Frames, f => Assert.True(f!.Box.Right < 512, $"frame jumped to {f.Box}"));
    }

    [Fact]
    public void NearSearchHandsTheDetectorGreyLevelsAndOnlyTheSizesTheTrackCanKeep()
    {
        using var cascade = new CascadeFaceDetector();
        var recorder = new RecordingDetector(cascade);
        var options = new FaceFrontEndOptions { SearchFaceSize = 96 };
        var frontEnd = new FaceFrontEnd(recorder, DlibShapePredictor.FromFile(), new FaceAligner(), options: options);
        using var astronaut = Cv2.ImRead(FixtureFile("astronaut.png"), ImreadModes.Color);
        using var frame = new Mat();
        Cv2.Resize(astronaut, frame, new Size(1024, 1024), interpolation: InterpolationFlags.Area);
        var first = frontEnd.DetectInClip(frame, ChannelOrder.Bgr, null);
        Assert.NotNull(first);
        recorder.Calls.Clear();

        var tracked = frontEnd.DetectInClip(frame, ChannelOrder.Bgr, first);
        var call = Assert.Single(recorder.Calls); // found near the last face: no full-frame search
        Assert.Equal(1, call.Channels);
        // The face is searched at about 96 px; a box more than 1/sqrt(0.3) = 1.83 times larger or smaller could not
        // overlap the last one enough to be kept, so the detector is asked for that band plus one pyramid step.
        Assert.NotNull(call.Sizes);
        Assert.InRange(call.Sizes!.Value.MinSide, 45, 50);
        Assert.InRange(call.Sizes!.Value.MaxSide, 190, 196);
        Assert.True(tracked!.Value.IntersectionOverUnion(first!.Value) > 0.8, $"tracked {tracked} vs first {first}");

        // A detector that reads colour gets the colour region (and may ignore the sizes).
        var colour = new RecordingDetector(cascade, readsGreyOnly: false);
        var colourFrontEnd = new FaceFrontEnd(colour, frontEnd.Predictor, frontEnd.Aligner, options: options);
        var viaColour = colourFrontEnd.DetectInClip(frame, ChannelOrder.Bgr, first);
        Assert.Equal(3, Assert.Single(colour.Calls).Channels);
        Assert.True(viaColour!.Value.IntersectionOverUnion(tracked.Value) > 0.8, $"colour {viaColour} vs grey {tracked}");
    }

    private sealed class RecordingDetector(CascadeFaceDetector inner, bool readsGreyOnly = true) : IFaceDetector
    {
        public List<(int Channels, FaceSizeRange? Sizes)> Calls { get; } = [];

        public IReadOnlyList<FaceDetection> Detect(Mat image, ChannelOrder order = ChannelOrder.Bgr)
        {
            Calls.Add((image.Channels(), null));
            return inner.Detect(image, order);
        }

        public IReadOnlyList<FaceDetection> Detect(Mat image, ChannelOrder order, FaceSizeRange sizes)
        {
            Calls.Add((image.Channels(), sizes));
            return inner.Detect(image, order, sizes);
        }

        public bool ReadsGreyLevelsOnly => readsGreyOnly;

        public void Dispose()
        {
        }
    }
}

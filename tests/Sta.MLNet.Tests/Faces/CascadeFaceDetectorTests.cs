using OpenCvSharp;
using Sta.MLNet;
using Sta.MLNet.Tests.Fixtures;
using Xunit.Abstractions;

namespace Sta.MLNet.Tests.Faces;

public class CascadeFaceDetectorTests
{
    private readonly ITestOutputHelper _output;

    public CascadeFaceDetectorTests(ITestOutputHelper output) => _output = output;

    private static string Astronaut => Path.Combine(FixturePaths.Fixture("preprocess"), "astronaut.png");

    // dlib's chosen box on astronaut.png (fixture astronaut.dlib68.json); the mission patch is at [126, 335, 215, 425].
    private static readonly FaceBox DlibFace = new(175, 76, 265, 166);
    private static readonly FaceBox MissionPatch = new(126, 335, 215, 425);

    [Theory]
    [InlineData(FaceModelPaths.HaarFrontalFaceAlt2)]
    [InlineData(FaceModelPaths.HaarFrontalFaceDefault)]
    [InlineData(FaceModelPaths.LbpFrontalFaceImproved)]
    public void FindsTheAstronautsFaceNotThePatch(string model)
    {
        using var detector = new CascadeFaceDetector(new CascadeFaceDetectorOptions { ModelPath = model });
        using var image = Cv2.ImRead(Astronaut, ImreadModes.Color);
        var faces = detector.Detect(image);
        _output.WriteLine($"{Path.GetFileName(model)}: {string.Join(", ", faces.Select(f => f.Box))}");
        var chosen = FaceTrackSelector.Largest(faces);
        Assert.NotNull(chosen);
        Assert.True(chosen.Value.IntersectionOverUnion(DlibFace) > 0.5, $"chosen {chosen} vs dlib {DlibFace}");
        Assert.DoesNotContain(faces, f => f.Box.IntersectionOverUnion(MissionPatch) > 0.3);
    }

    [Fact]
    public void DefaultOptionsUseDebiansAlt2Cascade()
    {
        using var detector = new CascadeFaceDetector();
        Assert.Equal(FaceModelPaths.HaarFrontalFaceAlt2, detector.Options.ModelPath);
        using var image = Cv2.ImRead(Astronaut, ImreadModes.Color);
        var faces = detector.Detect(image);
        Assert.Single(faces);
        Assert.True(faces[0].Box.IntersectionOverUnion(DlibFace) > 0.5);
    }

    [Fact]
    public void ASizeRangeKeepsTheFacesOfThoseSizesAndSkipsTheOthers()
    {
        using var detector = new CascadeFaceDetector();
        using var image = Cv2.ImRead(Astronaut, ImreadModes.Color);
        var all = detector.Detect(image);
        var face = Assert.Single(all).Box;
        // A range around the face's size finds the face (its raw detections of other sizes no longer join the average
        // box, so it may move by a pixel); one that excludes it finds nothing here.
        var near = Assert.Single(detector.Detect(image, ChannelOrder.Bgr, FaceSizeRange.Around(face.Width, 1.3))).Box;
        Assert.True(near.IntersectionOverUnion(face) > 0.95, $"{near} vs {face}");
        Assert.Empty(detector.Detect(image, ChannelOrder.Bgr, new FaceSizeRange(face.Width * 2, face.Width * 4)));
        Assert.Empty(detector.Detect(image, ChannelOrder.Bgr, new FaceSizeRange(10, detector.Options.MinFaceSize - 1)));
        Assert.True(((IFaceDetector)detector).ReadsGreyLevelsOnly);
        Assert.Equal(new FaceSizeRange(48, 193), FaceSizeRange.Around(96.4, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => FaceSizeRange.Around(96, 1));
    }

    [Fact]
    public void RgbGreyAndBgraInputFindTheSameFace()
    {
        using var detector = new CascadeFaceDetector();
        using var bgr = Cv2.ImRead(Astronaut, ImreadModes.Color);
        using var rgb = new Mat();
        using var grey = new Mat();
        using var bgra = new Mat();
        Cv2.CvtColor(bgr, rgb, ColorConversionCodes.BGR2RGB);
        Cv2.CvtColor(bgr, grey, ColorConversionCodes.BGR2GRAY);
        Cv2.CvtColor(bgr, bgra, ColorConversionCodes.BGR2BGRA);
        var expected = detector.Detect(bgr);
        Assert.Equal(expected, detector.Detect(rgb, ChannelOrder.Rgb));
        Assert.Equal(expected, detector.Detect(grey));
        Assert.Equal(expected, detector.Detect(bgra));
    }

    [Fact]
    public void ShrinksLargeFramesAndMapsBoxesBack()
    {
        // The astronaut doubled to 1024 px is searched at 512 px (MaxImageSide) and the box scaled back by 2.
        using var detector = new CascadeFaceDetector(new CascadeFaceDetectorOptions { MaxImageSide = 512 });
        using var image = Cv2.ImRead(Astronaut, ImreadModes.Color);
        using var large = new Mat();
        Cv2.Resize(image, large, new Size(1024, 1024), interpolation: InterpolationFlags.Linear);
        var faces = detector.Detect(large);
        var chosen = FaceTrackSelector.Largest(faces);
        Assert.NotNull(chosen);
        var expected = new FaceBox(2 * DlibFace.Left, 2 * DlibFace.Top, 2 * DlibFace.Right + 1, 2 * DlibFace.Bottom + 1);
        Assert.True(chosen.Value.IntersectionOverUnion(expected) > 0.5, $"chosen {chosen} vs {expected}");
    }

    [Fact]
    public void ConcurrentCallersGetTheSameFaces()
    {
        using var detector = new CascadeFaceDetector();
        var predictor = DlibShapePredictor.FromFile();
        using var image = Cv2.ImRead(Astronaut, ImreadModes.Color);
        var expected = detector.Detect(image);
        var expectedShape = predictor.Predict(image, DlibFace).NormalizedShape;
        var results = new IReadOnlyList<FaceDetection>[8];
        var shapes = new IReadOnlyList<float>[8];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            results[i] = detector.Detect(image);
            shapes[i] = predictor.Predict(image, DlibFace).NormalizedShape;
        });
        Assert.All(results, r => Assert.Equal(expected, r));
        Assert.All(shapes, s => Assert.Equal(expectedShape, s));
    }

    /// <summary>OpenCV's sample photo from Debian's opencv-doc, which the test set-up installs.</summary>
    [Fact]
    public void FindsAFaceInMessiSample()
    {
        string[] candidates = ["/usr/share/doc/opencv-doc/examples/data/messi5.jpg", "/usr/share/opencv4/samples/data/messi5.jpg"];
        var path = candidates.FirstOrDefault(File.Exists);
        Assert.True(path is not null, "messi5.jpg not found: install Debian's opencv-doc (build/install-prerequisites.sh does).");
        using var detector = new CascadeFaceDetector();
        using var image = Cv2.ImRead(path, ImreadModes.Color);
        var faces = detector.Detect(image);
        _output.WriteLine($"messi5.jpg: {string.Join(", ", faces.Select(f => f.Box))}");
        var chosen = FaceTrackSelector.Largest(faces);
        Assert.NotNull(chosen);
        Assert.True(chosen.Value.Center.Y < image.Height * 2 / 3.0, $"largest face {chosen} is implausibly low");
    }
}

using OpenCvSharp;
using Sta.MLNet.Faces;
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
}

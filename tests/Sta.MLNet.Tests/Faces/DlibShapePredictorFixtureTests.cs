using System.Text.Json;
using OpenCvSharp;
using Sta.MLNet;
using Xunit.Abstractions;

namespace Sta.MLNet.Tests.Faces;

/// <summary>
/// The C# shape predictor against C++ dlib 19.24 (fixture section 1): the fixture's chosen box is fed directly
/// (dlib's HOG detector is not ported), and the landmarks must match dlib's float shape and integer parts.
/// </summary>
public class DlibShapePredictorFixtureTests
{
    private readonly ITestOutputHelper _output;

    public DlibShapePredictorFixtureTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<PreprocessFixtureCase> LandmarkCases => PreprocessFixtureCases.Section("landmarks");

    [Theory]
    [MemberData(nameof(LandmarkCases))]
    public void LandmarksMatchDlib(PreprocessFixtureCase testCase)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(testCase.PathOf("expected")));
        var expected = document.RootElement;
        var modelPath = Path.Combine(Path.GetDirectoryName(FaceModelPaths.DlibShapePredictor68)!,
            testCase.Json.GetProperty("model_file").GetString()!);
        var predictor = DlibShapePredictor.FromFile(modelPath);
        var stats = expected.GetProperty("model_stats");
        Assert.Equal(stats.GetProperty("num_parts").GetInt32(), predictor.PartCount);
        Assert.Equal(stats.GetProperty("cascades").GetInt32(), predictor.Model.CascadeCount);
        Assert.Equal(stats.GetProperty("trees_per_cascade").GetInt32(), predictor.Model.TreesPerCascade);
        Assert.Equal(stats.GetProperty("feature_pixels_per_cascade").GetInt32(), predictor.Model.FeaturePixelsPerCascade);

        var box = expected.GetProperty("box").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        using var image = Cv2.ImRead(testCase.PathOf("image"), ImreadModes.Color);
        Assert.False(image.Empty(), $"cannot read {testCase.PathOf("image")}");
        var result = predictor.Predict(image, new FaceBox(box[0], box[1], box[2], box[3]));

        var expectedFloat = PreprocessFixtureCases.ReadPoints(expected.GetProperty("landmarks68_float"));
        var expectedInt = PreprocessFixtureCases.ReadPoints(expected.GetProperty("landmarks68"));
        var expectedNormalized = expected.GetProperty("normalized_shape").EnumerateArray()
            .SelectMany(p => p.ValueKind == JsonValueKind.Array ? p.EnumerateArray().Select(v => v.GetDouble()) : [p.GetDouble()]).ToArray();
        Assert.Equal(expectedFloat.Length, result.Count);

        double maxFloat = 0, maxNormalized = 0;
        var integerMismatches = 0;
        for (var i = 0; i < result.Count; i++)
        {
            maxFloat = Math.Max(maxFloat, Math.Max(Math.Abs(result.Points[i].X - expectedFloat[i][0]), Math.Abs(result.Points[i].Y - expectedFloat[i][1])));
            if (result.Parts[i].X != (int)expectedInt[i][0] || result.Parts[i].Y != (int)expectedInt[i][1])
                integerMismatches++;
        }
        for (var i = 0; i < expectedNormalized.Length; i++)
            maxNormalized = Math.Max(maxNormalized, Math.Abs(result.NormalizedShape[i] - expectedNormalized[i]));
        _output.WriteLine($"{testCase.Name}: max |float diff| {maxFloat:E3} px, max |normalized diff| {maxNormalized:E3}, integer mismatches {integerMismatches}");

        var tolerance = testCase.Json.GetProperty("tolerance_px").GetDouble();
        Assert.True(maxFloat <= tolerance, $"max landmark difference {maxFloat} px exceeds {tolerance} px");
        // README: float32 accumulation in tree order is bit-exact, so a tighter bound than the case's tolerance holds.
        Assert.True(maxFloat <= 1e-3, $"max landmark difference {maxFloat} px exceeds 1e-3 px");
        Assert.True(maxNormalized <= 1e-5, $"max normalized shape difference {maxNormalized} exceeds 1e-5");
        Assert.Equal(0, integerMismatches);
    }
}

using System.Text.Json;
using OpenCvSharp;
using Sta.MLNet;
using Xunit.Abstractions;

namespace Sta.MLNet.Tests.Faces;

/// <summary>Alignment against the StA demo executed upstream (fixture section 2), for every output size of every case.</summary>
public class FaceAlignmentFixtureTests
{
    private readonly ITestOutputHelper _output;

    public FaceAlignmentFixtureTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<PreprocessFixtureCase> AlignmentCases => PreprocessFixtureCases.Section("alignment");

    private static (JsonElement Spec, Point2f[] Source, int[] Sizes) Load(PreprocessFixtureCase testCase, out JsonDocument document)
    {
        document = JsonDocument.Parse(File.ReadAllText(testCase.PathOf("spec")));
        var spec = document.RootElement;
        var source = PreprocessFixtureCases.ReadPoints(spec.GetProperty("src_points")).Select(p => new Point2f((float)p[0], (float)p[1])).ToArray();
        var sizes = testCase.Json.GetProperty("sizes").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        return (spec, source, sizes);
    }

    private static double[,] Matrix(JsonElement element)
    {
        var rows = PreprocessFixtureCases.ReadPoints(element);
        return new[,] { { rows[0][0], rows[0][1], rows[0][2] }, { rows[1][0], rows[1][1], rows[1][2] } };
    }

    private static (double Linear, double Translation) MaxDifference(AffineTransform2D actual, double[,] expected)
    {
        var a = actual.ToArray();
        double linear = 0, translation = 0;
        for (var r = 0; r < 2; r++)
        {
            for (var c = 0; c < 2; c++)
                linear = Math.Max(linear, Math.Abs(a[r, c] - expected[r, c]));
            translation = Math.Max(translation, Math.Abs(a[r, 2] - expected[r, 2]));
        }
        return (linear, translation);
    }

    [Theory]
    [MemberData(nameof(AlignmentCases))]
    public void DestinationPointsAreTheFloat32Template(PreprocessFixtureCase testCase)
    {
        var (spec, _, sizes) = Load(testCase, out var document);
        using (document)
        {
            foreach (var size in sizes)
            {
                var expected = PreprocessFixtureCases.ReadPoints(spec.GetProperty(size.ToString()).GetProperty("dst_points"));
                var actual = ArcFaceAlignmentTemplate.DestinationPoints(size);
                var max = 0.0;
                for (var i = 0; i < expected.Length; i++)
                    max = Math.Max(max, Math.Max(Math.Abs(actual[i].X - expected[i][0]), Math.Abs(actual[i].Y - expected[i][1])));
                _output.WriteLine($"{testCase.Name} {size}: max |dst diff| {max:E3}");
                Assert.True(max <= 1e-5, $"size {size}: destination points differ by {max}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(AlignmentCases))]
    public void TransformMatchesScikitImage(PreprocessFixtureCase testCase)
    {
        var (spec, source, sizes) = Load(testCase, out var document);
        using (document)
        {
            var translationTolerance = testCase.Json.GetProperty("matrix_tolerance").GetDouble();
            foreach (var size in sizes)
            {
                var entry = spec.GetProperty(size.ToString());
                var single = new FaceAligner(new FaceAlignmentOptions { OutputSize = size }).EstimateTransform(source);
                var (linear, translation) = MaxDifference(single, Matrix(entry.GetProperty("M")));
                _output.WriteLine($"{testCase.Name} {size}: float32 estimator vs M: 2x2 {linear:E3}, translation {translation:E3}");
                Assert.True(linear <= 1e-6, $"size {size}: 2x2 part differs by {linear}");
                Assert.True(translation <= translationTolerance, $"size {size}: translation differs by {translation}");

                var precise = new FaceAligner(new FaceAlignmentOptions { OutputSize = size, Precision = SimilarityPrecision.Double }).EstimateTransform(source);
                var (linear64, translation64) = MaxDifference(precise, Matrix(entry.GetProperty("M_reference_float64_umeyama")));
                _output.WriteLine($"{testCase.Name} {size}: float64 estimator vs float64 reference: 2x2 {linear64:E3}, translation {translation64:E3}");
                Assert.True(linear64 <= 1e-9 && translation64 <= 1e-7, $"size {size}: float64 estimate differs by {linear64} / {translation64}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(AlignmentCases))]
    public void CropMatchesTheDemo(PreprocessFixtureCase testCase)
    {
        var (spec, source, sizes) = Load(testCase, out var document);
        using (document)
        {
            using var image = Cv2.ImRead(testCase.PathOf("image"), ImreadModes.Color);
            foreach (var size in sizes)
            {
                var entry = spec.GetProperty(size.ToString());
                using var expected = Cv2.ImRead(Path.Combine(testCase.Folder, entry.GetProperty("file").GetString()!), ImreadModes.Color);
                var recorded = Matrix(entry.GetProperty("M"));
                var recordedTransform = new AffineTransform2D(recorded[0, 0], recorded[0, 1], recorded[0, 2], recorded[1, 0], recorded[1, 1], recorded[1, 2]);

                using var withRecordedMatrix = FaceAligner.Warp(image, recordedTransform, size);
                var (maxRecorded, countRecorded) = Compare(withRecordedMatrix, expected);
                using var aligned = new FaceAligner(new FaceAlignmentOptions { OutputSize = size }).Align(image, source);
                var (maxOurs, countOurs) = Compare(aligned.Image, expected);
                var total = expected.Total() * expected.Channels();
                _output.WriteLine($"{testCase.Name} {size}: warp with recorded M: max {maxRecorded}, {countRecorded} values differ; " +
                                  $"with our M: max {maxOurs}, {countOurs} of {total} differ");
                // README: OpenCV's fixed-point bilinear warp with the recorded matrix is exact.
                Assert.Equal(0, maxRecorded);
                Assert.True(maxOurs <= 3 && countOurs < total / 1000, $"size {size}: crop with our matrix differs by up to {maxOurs} on {countOurs} values");
            }
        }
    }

    private static (int Max, int Count) Compare(Mat actual, Mat expected)
    {
        Assert.Equal(expected.Size(), actual.Size());
        Assert.Equal(expected.Type(), actual.Type());
        using var difference = new Mat();
        Cv2.Absdiff(actual, expected, difference);
        using var flat = difference.Reshape(1);
        Cv2.MinMaxLoc(flat, out _, out double max);
        return ((int)max, Cv2.CountNonZero(flat));
    }
}

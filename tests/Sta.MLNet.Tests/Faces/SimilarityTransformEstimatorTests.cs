using OpenCvSharp;
using Sta.MLNet;

namespace Sta.MLNet.Tests.Faces;

public class SimilarityTransformEstimatorTests
{
    private static readonly Point2f[] Source = [new(10, 20), new(60, 22), new(35, 50), new(15, 80), new(58, 79)];

    [Theory]
    [InlineData((int)SimilarityPrecision.Single, 1e-5)]
    [InlineData((int)SimilarityPrecision.Double, 1e-5)]
    public void RecoversAnExactSimilarity(int precisionValue, double tolerance)
    {
        // The theory takes the value as int: the enum is internal and a public test method cannot expose it.
        var precision = (SimilarityPrecision)precisionValue;
        var angle = 0.3;
        var scale = 1.7;
        var truth = new AffineTransform2D(scale * Math.Cos(angle), -scale * Math.Sin(angle), -12.5,
            scale * Math.Sin(angle), scale * Math.Cos(angle), 40.25);
        var destination = Source.Select(p => truth.Apply(new Point2d(p.X, p.Y))).Select(p => new Point2f((float)p.X, (float)p.Y)).ToArray();
        var estimate = SimilarityTransformEstimator.Estimate(Source, destination, precision);
        var a = estimate.ToArray();
        var b = truth.ToArray();
        for (var r = 0; r < 2; r++)
        for (var c = 0; c < 3; c++)
            Assert.True(Math.Abs(a[r, c] - b[r, c]) <= tolerance * (c == 2 ? 100 : 1), $"M[{r},{c}] = {a[r, c]}, expected {b[r, c]}");
    }

    [Fact]
    public void NeverReflects()
    {
        // Mirrored destination: the best similarity is a rotation with a small scale, never a reflection.
        var destination = Source.Select(p => new Point2f(-p.X, p.Y)).ToArray();
        var estimate = SimilarityTransformEstimator.Estimate(Source, destination, SimilarityPrecision.Double);
        Assert.True(estimate.M00 * estimate.M11 - estimate.M01 * estimate.M10 >= 0);
        Assert.Equal(estimate.M00, estimate.M11, 12);
        Assert.Equal(estimate.M01, -estimate.M10, 12);
    }

    [Fact]
    public void RejectsMismatchedAndDegenerateInput()
    {
        Assert.Throws<ArgumentException>(() => SimilarityTransformEstimator.Estimate(Source, Source[..4]));
        Assert.Throws<ArgumentException>(() => SimilarityTransformEstimator.Estimate(Source[..1], Source[..1]));
        var same = Enumerable.Repeat(new Point2f(3, 4), 5).ToArray();
        Assert.Throws<ArgumentException>(() => SimilarityTransformEstimator.Estimate(same, Source));
    }

    [Fact]
    public void InverseUndoesTheTransform()
    {
        var transform = new AffineTransform2D(1.2, 0.1, -180, -0.1, 1.2, 7.5);
        var p = new Point2d(200, 98);
        var back = transform.Invert().Apply(transform.Apply(p));
        Assert.Equal(p.X, back.X, 9);
        Assert.Equal(p.Y, back.Y, 9);
    }
}

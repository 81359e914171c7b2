using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>
/// Least-squares similarity transform (rotation, uniform scale, translation; no reflection) mapping source points
/// onto destination points: Umeyama (1991), as <c>skimage.transform.SimilarityTransform.estimate</c> computes it.
/// </summary>
internal static class SimilarityTransformEstimator
{
    /// <summary>
    /// Estimates the transform. For 2-D points the Umeyama solution has a closed form: with the covariance
    /// A = (1/n) sum (d_i - mean_d)(s_i - mean_s)^T, the rotation angle is atan2(A10 - A01, A00 + A11), the sum of
    /// singular values that enters the scale is hypot(A00 + A11, A10 - A01) (for either sign of det A, because the
    /// reflection case flips the sign of the smaller singular value), and the scale is that sum divided by the
    /// source variance.
    /// </summary>
    /// <param name="source">Source points (at least 2).</param>
    /// <param name="destination">Destination points, same count.</param>
    /// <param name="precision">float32 statistics like scikit-image 0.19 on float32 input, or double throughout.</param>
    /// <exception cref="ArgumentException">Counts differ, fewer than 2 points, or the points are degenerate.</exception>
    public static AffineTransform2D Estimate(IReadOnlyList<Point2f> source, IReadOnlyList<Point2f> destination,
        SimilarityPrecision precision = SimilarityPrecision.Single)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        if (source.Count != destination.Count)
            throw new ArgumentException($"{source.Count} source points but {destination.Count} destination points.", nameof(destination));
        if (source.Count < 2)
            throw new ArgumentException("A similarity transform needs at least 2 point pairs.", nameof(source));

        var statistics = precision == SimilarityPrecision.Single
            ? ComputeStatistics<float>(source, destination)
            : ComputeStatistics<double>(source, destination);

        var (srcMeanX, srcMeanY, dstMeanX, dstMeanY, a00, a01, a10, a11, sourceVariance) = statistics;
        var cosTerm = a00 + a11;
        var sinTerm = a10 - a01;
        var singularSum = Math.Sqrt(cosTerm * cosTerm + sinTerm * sinTerm);
        if (singularSum == 0 || sourceVariance == 0 || !double.IsFinite(singularSum))
            throw new ArgumentException("The point sets are degenerate (all points coincide or are uncorrelated); no similarity transform exists.", nameof(source));
        var cos = cosTerm / singularSum;
        var sin = sinTerm / singularSum;
        var scale = 1.0 / sourceVariance * singularSum;
        var tx = dstMeanX - scale * (cos * srcMeanX - sin * srcMeanY);
        var ty = dstMeanY - scale * (sin * srcMeanX + cos * srcMeanY);
        return new AffineTransform2D(scale * cos, -scale * sin, tx, scale * sin, scale * cos, ty);
    }

    private readonly record struct Statistics(double SrcMeanX, double SrcMeanY, double DstMeanX, double DstMeanY,
        double A00, double A01, double A10, double A11, double SourceVariance);

    /// <summary>
    /// Means, cross-covariance and source variance computed entirely in <typeparamref name="T"/>: with float, every mean,
    /// difference, product and sum is rounded to float32 as numpy does on float32 arrays (skimage 0.19's estimate).
    /// </summary>
    private static Statistics ComputeStatistics<T>(IReadOnlyList<Point2f> source, IReadOnlyList<Point2f> destination)
        where T : System.Numerics.IFloatingPointIeee754<T>
    {
        var n = source.Count;
        T sx = T.Zero, sy = T.Zero, dx = T.Zero, dy = T.Zero;
        for (var i = 0; i < n; i++)
        {
            sx += T.CreateChecked(source[i].X);
            sy += T.CreateChecked(source[i].Y);
            dx += T.CreateChecked(destination[i].X);
            dy += T.CreateChecked(destination[i].Y);
        }
        var count = T.CreateChecked(n);
        sx /= count;
        sy /= count;
        dx /= count;
        dy /= count;
        T c00 = T.Zero, c01 = T.Zero, c10 = T.Zero, c11 = T.Zero, varX = T.Zero, varY = T.Zero;
        for (var i = 0; i < n; i++)
        {
            var ux = T.CreateChecked(source[i].X) - sx;
            var uy = T.CreateChecked(source[i].Y) - sy;
            var vx = T.CreateChecked(destination[i].X) - dx;
            var vy = T.CreateChecked(destination[i].Y) - dy;
            c00 += vx * ux;
            c01 += vx * uy;
            c10 += vy * ux;
            c11 += vy * uy;
            varX += ux * ux;
            varY += uy * uy;
        }
        static double D(T value) => double.CreateChecked(value);
        return new Statistics(D(sx), D(sy), D(dx), D(dy), D(c00 / count), D(c01 / count), D(c10 / count), D(c11 / count),
            D(varX / count + varY / count));
    }
}

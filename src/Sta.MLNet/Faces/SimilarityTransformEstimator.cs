using OpenCvSharp;

namespace Sta.MLNet.Faces;

/// <summary>
/// Least-squares similarity transform (rotation, uniform scale, translation; no reflection) mapping source points
/// onto destination points: Umeyama (1991), as <c>skimage.transform.SimilarityTransform.estimate</c> computes it.
/// </summary>
public static class SimilarityTransformEstimator
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
            ? SingleStatistics(source, destination)
            : DoubleStatistics(source, destination);

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

    // numpy on float32 arrays: every mean, difference, product and sum is rounded to float32.
    private static Statistics SingleStatistics(IReadOnlyList<Point2f> source, IReadOnlyList<Point2f> destination)
    {
        var n = source.Count;
        float sx = 0, sy = 0, dx = 0, dy = 0;
        for (var i = 0; i < n; i++)
        {
            sx += source[i].X;
            sy += source[i].Y;
            dx += destination[i].X;
            dy += destination[i].Y;
        }
        float count = n;
        sx /= count;
        sy /= count;
        dx /= count;
        dy /= count;
        float c00 = 0, c01 = 0, c10 = 0, c11 = 0, varX = 0, varY = 0;
        for (var i = 0; i < n; i++)
        {
            var ux = source[i].X - sx;
            var uy = source[i].Y - sy;
            var vx = destination[i].X - dx;
            var vy = destination[i].Y - dy;
            c00 += vx * ux;
            c01 += vx * uy;
            c10 += vy * ux;
            c11 += vy * uy;
            varX += ux * ux;
            varY += uy * uy;
        }
        var variance = varX / count + varY / count;
        return new Statistics(sx, sy, dx, dy, c00 / count, c01 / count, c10 / count, c11 / count, variance);
    }

    private static Statistics DoubleStatistics(IReadOnlyList<Point2f> source, IReadOnlyList<Point2f> destination)
    {
        var n = source.Count;
        double sx = 0, sy = 0, dx = 0, dy = 0;
        for (var i = 0; i < n; i++)
        {
            sx += source[i].X;
            sy += source[i].Y;
            dx += destination[i].X;
            dy += destination[i].Y;
        }
        sx /= n;
        sy /= n;
        dx /= n;
        dy /= n;
        double c00 = 0, c01 = 0, c10 = 0, c11 = 0, varX = 0, varY = 0;
        for (var i = 0; i < n; i++)
        {
            var ux = source[i].X - sx;
            var uy = source[i].Y - sy;
            var vx = destination[i].X - dx;
            var vy = destination[i].Y - dy;
            c00 += vx * ux;
            c01 += vx * uy;
            c10 += vy * ux;
            c11 += vy * uy;
            varX += ux * ux;
            varY += uy * uy;
        }
        return new Statistics(sx, sy, dx, dy, c00 / n, c01 / n, c10 / n, c11 / n, varX / n + varY / n);
    }
}

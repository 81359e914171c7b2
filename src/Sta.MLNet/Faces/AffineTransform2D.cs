using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>
/// A 2x3 affine map in OpenCV's convention: (x, y) -> (M00 x + M01 y + M02, M10 x + M11 y + M12), source to
/// destination (what <c>cv2.warpAffine</c> takes).
/// </summary>
internal readonly record struct AffineTransform2D(double M00, double M01, double M02, double M10, double M11, double M12)
{
    /// <summary>The map that leaves every point where it is.</summary>
    public static AffineTransform2D Identity => new(1, 0, 0, 0, 1, 0);

    /// <summary>The element at (row, column).</summary>
    public double this[int row, int column] => (row, column) switch
    {
        (0, 0) => M00, (0, 1) => M01, (0, 2) => M02,
        (1, 0) => M10, (1, 1) => M11, (1, 2) => M12,
        _ => throw new ArgumentOutOfRangeException(nameof(row), $"({row}, {column}) is outside a 2x3 matrix."),
    };

    /// <summary>The image of <paramref name="p"/>.</summary>
    public Point2d Apply(Point2d p) => Apply(p.X, p.Y);

    /// <summary>The image of (x, y).</summary>
    public Point2d Apply(double x, double y) => new(M00 * x + M01 * y + M02, M10 * x + M11 * y + M12);

    /// <summary>
    /// OpenCV's <c>getRotationMatrix2D(center, angle, scale)</c>: rotation by <paramref name="angleDegrees"/>
    /// (positive = counter-clockwise on screen) and isotropic <paramref name="scale"/> about the centre.
    /// </summary>
    public static AffineTransform2D RotationAbout(double centerX, double centerY, double angleDegrees, double scale)
    {
        var radians = angleDegrees * Math.PI / 180.0;
        var alpha = Math.Cos(radians) * scale;
        var beta = Math.Sin(radians) * scale;
        return new(alpha, beta, (1 - alpha) * centerX - beta * centerY, -beta, alpha, beta * centerX + (1 - alpha) * centerY);
    }

    /// <summary>The inverse map (destination to source).</summary>
    /// <exception cref="InvalidOperationException">The 2x2 part is singular.</exception>
    public AffineTransform2D Invert()
    {
        var det = M00 * M11 - M01 * M10;
        if (det == 0 || !double.IsFinite(det))
            throw new InvalidOperationException("The affine transform is singular and has no inverse.");
        var i00 = M11 / det;
        var i01 = -M01 / det;
        var i10 = -M10 / det;
        var i11 = M00 / det;
        return new(i00, i01, -(i00 * M02 + i01 * M12), i10, i11, -(i10 * M02 + i11 * M12));
    }

    /// <summary>A new 2x3 CV_64F matrix (dispose it).</summary>
    public Mat ToMat()
    {
        var mat = new Mat(2, 3, MatType.CV_64FC1);
        mat.Set(0, 0, M00);
        mat.Set(0, 1, M01);
        mat.Set(0, 2, M02);
        mat.Set(1, 0, M10);
        mat.Set(1, 1, M11);
        mat.Set(1, 2, M12);
        return mat;
    }

    /// <summary>Row-major [[M00, M01, M02], [M10, M11, M12]].</summary>
    public double[,] ToArray() => new[,] { { M00, M01, M02 }, { M10, M11, M12 } };
}

namespace Sta.MLNet.Blending;

/// <summary>A 2x3 affine matrix, row-major, mapping (x, y, 1) to (x', y') as OpenCV does.</summary>
public readonly record struct Affine2x3(double M00, double M01, double M02, double M10, double M11, double M12)
{
    /// <summary>The element at (row, column).</summary>
    public double this[int row, int column] => (row, column) switch
    {
        (0, 0) => M00, (0, 1) => M01, (0, 2) => M02,
        (1, 0) => M10, (1, 1) => M11, (1, 2) => M12,
        _ => throw new ArgumentOutOfRangeException(nameof(row), $"({row}, {column}) is outside a 2x3 matrix."),
    };

    /// <summary>The image of (x, y).</summary>
    public (double X, double Y) Apply(double x, double y) => (M00 * x + M01 * y + M02, M10 * x + M11 * y + M12);

    /// <summary>The inverse affine map; throws when the linear part is singular.</summary>
    public Affine2x3 Inverse()
    {
        var det = M00 * M11 - M01 * M10;
        if (det == 0 || !double.IsFinite(det)) throw new InvalidOperationException("The affine matrix is singular.");
        var i00 = M11 / det;
        var i01 = -M01 / det;
        var i10 = -M10 / det;
        var i11 = M00 / det;
        return new Affine2x3(i00, i01, -(i00 * M02 + i01 * M12), i10, i11, -(i10 * M02 + i11 * M12));
    }

    /// <summary>
    /// OpenCV's <c>getRotationMatrix2D(center, angle, scale)</c>: rotation by <paramref name="angleDegrees"/>
    /// (positive = counter-clockwise on screen) and isotropic <paramref name="scale"/> about the centre.
    /// </summary>
    public static Affine2x3 RotationAbout(double centerX, double centerY, double angleDegrees, double scale)
    {
        var radians = angleDegrees * Math.PI / 180.0;
        var alpha = Math.Cos(radians) * scale;
        var beta = Math.Sin(radians) * scale;
        return new Affine2x3(alpha, beta, (1 - alpha) * centerX - beta * centerY,
            -beta, alpha, beta * centerX + (1 - alpha) * centerY);
    }
}

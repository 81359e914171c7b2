using OpenCvSharp;

namespace Sta.MLNet.Faces;

/// <summary>
/// A 2x3 affine map in OpenCV's convention: (x, y) -> (M00 x + M01 y + M02, M10 x + M11 y + M12), source to
/// destination (what <c>cv2.warpAffine</c> takes).
/// </summary>
public readonly record struct AffineTransform2D(double M00, double M01, double M02, double M10, double M11, double M12)
{
    public static AffineTransform2D Identity => new(1, 0, 0, 0, 1, 0);

    public Point2d Apply(Point2d p) => new(M00 * p.X + M01 * p.Y + M02, M10 * p.X + M11 * p.Y + M12);

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

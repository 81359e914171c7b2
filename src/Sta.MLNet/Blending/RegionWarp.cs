using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>One region's perturbation: the similarity transform P of the landmarks and the warp M of the frame.</summary>
/// <param name="Similarity">P = getRotationMatrix2D(centre, angle, scale) with the shift added to the translation
/// column; moves the non-jaw landmarks.</param>
/// <param name="Warp">M, the affine map taking the perturbed anchor landmarks back onto the original ones
/// (mathematically P^-1, computed from float32 points as the reference does); the frame is warped with it.</param>
internal readonly record struct RegionWarp(AffineTransform2D Similarity, AffineTransform2D Warp)
{
    /// <summary>
    /// float32 mean of the landmarks <see cref="VideoBlendOptions.PerturbedFirstLandmark"/>..
    /// <see cref="VideoBlendOptions.PerturbedLastLandmark"/> (17..67: every non-jaw point), summed in index order.
    /// </summary>
    public static (float X, float Y) Center(ReadOnlySpan<float> landmarks, VideoBlendOptions options)
    {
        float sumX = 0, sumY = 0;
        for (var i = options.PerturbedFirstLandmark; i <= options.PerturbedLastLandmark; i++)
        {
            sumX += landmarks[2 * i];
            sumY += landmarks[2 * i + 1];
        }
        float count = options.PerturbedLastLandmark - options.PerturbedFirstLandmark + 1;
        return (sumX / count, sumY / count);
    }

    /// <summary>Step 3 of Video-level Blending (docs/design.md, "Video-level Blending") for one region: P from the draw, perturbed anchors, M by OpenCV's
    /// <c>getAffineTransform</c> on float32 points.</summary>
    public static RegionWarp Compute(ReadOnlySpan<float> landmarks, (float X, float Y) center, VbRegionDraw draw, VideoBlendOptions options)
    {
        var rotation = AffineTransform2D.RotationAbout(center.X, center.Y, draw.AngleDegrees, draw.Scale);
        var similarity = rotation with { M02 = rotation.M02 + draw.ShiftX, M12 = rotation.M12 + draw.ShiftY };
        var anchors = options.AffineAnchorLandmarks;
        var perturbed = new Point2f[3];
        var original = new Point2f[3];
        for (var k = 0; k < 3; k++)
        {
            var index = anchors[k];
            double x = landmarks[2 * index], y = landmarks[2 * index + 1];
            original[k] = new Point2f((float)x, (float)y);
            var moved = index >= options.PerturbedFirstLandmark && index <= options.PerturbedLastLandmark
                ? similarity.Apply(x, y)
                : new Point2d(x, y);
            perturbed[k] = new Point2f((float)moved.X, (float)moved.Y);
        }
        using var m = Cv2.GetAffineTransform(perturbed, original);
        var warp = new AffineTransform2D(m.At<double>(0, 0), m.At<double>(0, 1), m.At<double>(0, 2),
            m.At<double>(1, 0), m.At<double>(1, 1), m.At<double>(1, 2));
        return new RegionWarp(similarity, warp);
    }
}

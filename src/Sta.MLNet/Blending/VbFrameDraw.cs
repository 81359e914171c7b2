namespace Sta.MLNet;

/// <summary>
/// Every random value Video-level Blending uses for one frame, in the reference's draw order: the frame magnitudes
/// R, S, D, then angle, scale and shift of eyes, nose, mouth, brows. The magnitudes are kept for the record
/// (previews, logs); the blend itself only uses the region draws.
/// </summary>
/// <param name="MaxAngleDegrees">R, the frame's maximum rotation in degrees.</param>
/// <param name="MaxScaleDelta">S, the frame's maximum relative scale change.</param>
/// <param name="MaxShiftPixels">D, the frame's maximum shift in pixels.</param>
/// <param name="Eyes">Transform of the eyes.</param>
/// <param name="Nose">Transform of the nose.</param>
/// <param name="Mouth">Transform of the mouth.</param>
/// <param name="Brows">Transform of the brows.</param>
internal readonly record struct VbFrameDraw(
    double MaxAngleDegrees,
    double MaxScaleDelta,
    double MaxShiftPixels,
    VbRegionDraw Eyes,
    VbRegionDraw Nose,
    VbRegionDraw Mouth,
    VbRegionDraw Brows)
{
    /// <summary>The draw of <paramref name="region"/>.</summary>
    public VbRegionDraw this[FaceRegion region] => region switch
    {
        FaceRegion.Eyes => Eyes,
        FaceRegion.Nose => Nose,
        FaceRegion.Mouth => Mouth,
        FaceRegion.Brows => Brows,
        _ => throw new ArgumentOutOfRangeException(nameof(region)),
    };

    /// <summary>
    /// Draws a frame from <paramref name="random"/> exactly as the reference does: R, S, D from the option ranges,
    /// then per region (eyes, nose, mouth, brows) angle ~ U(-R, R), scale ~ U(1 - S, 1 + S), shift x and y ~ U(-D, D).
    /// </summary>
    public static VbFrameDraw Sample(ref StableRandom random, VideoBlendOptions options)
    {
        var r = options.MaxAngleDegrees.At(random.NextDouble());
        var s = options.MaxScaleDelta.At(random.NextDouble());
        var d = options.MaxShiftPixels.At(random.NextDouble());
        var eyes = SampleRegion(ref random, r, s, d);
        var nose = SampleRegion(ref random, r, s, d);
        var mouth = SampleRegion(ref random, r, s, d);
        var brows = SampleRegion(ref random, r, s, d);
        return new VbFrameDraw(r, s, d, eyes, nose, mouth, brows);
    }

    private static VbRegionDraw SampleRegion(ref StableRandom random, double r, double s, double d)
    {
        var angle = new UniformRange(-r, r).At(random.NextDouble());
        var scale = new UniformRange(1 - s, 1 + s).At(random.NextDouble());
        var shiftX = new UniformRange(-d, d).At(random.NextDouble());
        var shiftY = new UniformRange(-d, d).At(random.NextDouble());
        return new VbRegionDraw(angle, scale, shiftX, shiftY);
    }
}

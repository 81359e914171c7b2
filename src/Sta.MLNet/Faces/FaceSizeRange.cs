namespace Sta.MLNet;

/// <summary>
/// The face sizes worth looking for in an image, as the longer box side in pixels of that image: a hint with which a
/// detector that scans sizes one by one (a cascade) skips the others. A detector may still return faces outside it.
/// </summary>
/// <param name="MinSide">Smallest face side wanted, at least 1.</param>
/// <param name="MaxSide">Largest face side wanted, at least <paramref name="MinSide"/>.</param>
internal readonly record struct FaceSizeRange(int MinSide, int MaxSide)
{
    /// <summary>Faces whose side is within a factor <paramref name="ratio"/> (&gt; 1) of <paramref name="expectedSide"/>.</summary>
    public static FaceSizeRange Around(double expectedSide, double ratio)
    {
        if (!(expectedSide > 0)) throw new ArgumentOutOfRangeException(nameof(expectedSide), expectedSide, "The expected side must be positive.");
        if (!(ratio > 1)) throw new ArgumentOutOfRangeException(nameof(ratio), ratio, "The ratio must be above 1.");
        var min = Math.Max(1, (int)Math.Floor(expectedSide / ratio));
        return new FaceSizeRange(min, Math.Max(min, (int)Math.Ceiling(expectedSide * ratio)));
    }
}

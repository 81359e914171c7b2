namespace Sta.MLNet;

/// <summary>
/// The four facial features Video-level Blending perturbs. The numeric order is the order in which the reference
/// implementation draws each region's transform and sums the blended copies (docs/design.md, "Video-level Blending", step 3), and the order of the
/// masks in every mask buffer this area writes.
/// </summary>
internal enum FaceRegion
{
    Eyes = 0,
    Nose = 1,
    Mouth = 2,
    Brows = 3,
}

/// <summary>Constants about <see cref="FaceRegion"/>.</summary>
internal static class FaceRegions
{
    /// <summary>Number of regions (4).</summary>
    public const int Count = 4;

    /// <summary>All regions in draw and blend order: eyes, nose, mouth, brows.</summary>
    public static IReadOnlyList<FaceRegion> InBlendOrder { get; } =
        [FaceRegion.Eyes, FaceRegion.Nose, FaceRegion.Mouth, FaceRegion.Brows];

    /// <summary>Lower-case name as used by the fixtures ("eyes", "nose", "mouth", "brows").</summary>
    public static string Name(FaceRegion region) => region switch
    {
        FaceRegion.Eyes => "eyes",
        FaceRegion.Nose => "nose",
        FaceRegion.Mouth => "mouth",
        FaceRegion.Brows => "brows",
        _ => throw new ArgumentOutOfRangeException(nameof(region), region, "Unknown face region."),
    };
}

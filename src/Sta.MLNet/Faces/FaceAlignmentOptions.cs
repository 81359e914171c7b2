namespace Sta.MLNet;

/// <summary>Settings of <see cref="FaceAligner"/>; the defaults reproduce DeepfakeBench preprocessing.</summary>
internal sealed record FaceAlignmentOptions
{
    /// <summary>
    /// Side of the square crop in pixels. Default 256 (DeepfakeBench preprocessing; the training frames are later
    /// resized to 224 with bicubic interpolation). The StA demo aligns directly to 224.
    /// </summary>
    public int OutputSize { get; init; } = 256;

    /// <summary>Context enlargement around the template; default 1.3.</summary>
    public double Scale { get; init; } = ArcFaceAlignmentTemplate.DefaultScale;

    /// <summary>Arithmetic of the similarity estimate; default <see cref="SimilarityPrecision.Single"/> (pipeline parity).</summary>
    public SimilarityPrecision Precision { get; init; } = SimilarityPrecision.Single;

    /// <summary>
    /// The 0-based landmark indices used as the five alignment points, in template order. Default 37, 44, 30, 49, 55
    /// (upstream's choice; the same points in the 68- and 81-point models).
    /// </summary>
    public IReadOnlyList<int> LandmarkIndices { get; init; } = [37, 44, 30, 49, 55];

    /// <summary>
    /// Use dlib's integer landmark parts (default, what upstream does) instead of the un-rounded positions.
    /// </summary>
    public bool UseIntegerLandmarks { get; init; } = true;
}

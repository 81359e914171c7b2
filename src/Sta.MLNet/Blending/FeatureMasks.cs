namespace Sta.MLNet;

/// <summary>
/// The four soft feature masks of one frame (values in [0, 1], float32, row-major H x W, after overlap resolution),
/// with the rectangles outside which each mask is exactly zero. Owned and overwritten by a
/// <see cref="FeatureMaskBuilder"/>; copy the data out to keep it.
/// </summary>
internal sealed class FeatureMasks
{
    private readonly float[][] _masks;
    private readonly PixelBounds[] _bounds = new PixelBounds[FaceRegions.Count];

    /// <summary>Zero masks of the given size.</summary>
    public FeatureMasks(int height, int width)
    {
        if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), $"Mask size must be positive; got {height}x{width}.");
        Height = height;
        Width = width;
        _masks = new float[FaceRegions.Count][];
        for (var r = 0; r < FaceRegions.Count; r++) _masks[r] = new float[height * width];
    }

    public int Height { get; }

    public int Width { get; }

    /// <summary>Mask of <paramref name="region"/>, H x W row-major.</summary>
    public ReadOnlySpan<float> this[FaceRegion region] => _masks[(int)region];

    /// <summary>Rectangle outside which the mask of <paramref name="region"/> is exactly zero.</summary>
    public PixelBounds Bounds(FaceRegion region) => _bounds[(int)region];

    /// <summary>Rectangle outside which all four masks are exactly zero (the blend leaves those pixels untouched).</summary>
    public PixelBounds UnionBounds => _bounds[0].Union(_bounds[1]).Union(_bounds[2]).Union(_bounds[3]);

    /// <summary>Copies the masks into <paramref name="destination"/> as [4, H, W] in <see cref="FaceRegion"/> order.</summary>
    public void CopyTo(Span<float> destination)
    {
        var plane = Height * Width;
        if (destination.Length < FaceRegions.Count * plane)
            throw new ArgumentException($"Mask destination needs {FaceRegions.Count * plane} floats; got {destination.Length}.", nameof(destination));
        for (var r = 0; r < FaceRegions.Count; r++) _masks[r].CopyTo(destination.Slice(r * plane, plane));
    }

    internal float[] Writable(FaceRegion region) => _masks[(int)region];

    internal void SetBounds(FaceRegion region, PixelBounds bounds) => _bounds[(int)region] = bounds;
}

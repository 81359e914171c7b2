namespace Sta.MLNet;

/// <summary>
/// Intermediate results of blending one frame, filled on request (tests, previews, debugging): the masks, the
/// rotation centre, each region's transforms and warped copy, and the blended frame before the uint8 conversion.
/// Reusable across frames of the same size.
/// </summary>
internal sealed class VbFrameTrace
{
    private readonly RegionWarp[] _warps = new RegionWarp[FaceRegions.Count];
    private readonly byte[][] _warped = new byte[FaceRegions.Count][];

    /// <summary>Buffers for frames of <paramref name="height"/> x <paramref name="width"/> RGB pixels.</summary>
    public VbFrameTrace(int height, int width)
    {
        Height = height;
        Width = width;
        Masks = new float[FaceRegions.Count * height * width];
        for (var r = 0; r < FaceRegions.Count; r++) _warped[r] = new byte[height * width * 3];
        BlendedFloat = new float[height * width * 3];
    }

    public int Height { get; }

    public int Width { get; }

    /// <summary>The draws the frame was blended with.</summary>
    public VbFrameDraw Draw { get; internal set; }

    /// <summary>float32 mean of the non-jaw landmarks, the centre of every region's rotation.</summary>
    public (float X, float Y) Center { get; internal set; }

    /// <summary>Masks after overlap resolution, [4, H, W] in <see cref="FaceRegion"/> order.</summary>
    public float[] Masks { get; }

    /// <summary>The blended frame before truncation to uint8, [H, W, 3] RGB.</summary>
    public float[] BlendedFloat { get; }

    /// <summary>Mask of <paramref name="region"/>, H x W.</summary>
    public ReadOnlySpan<float> Mask(FaceRegion region) => Masks.AsSpan((int)region * Height * Width, Height * Width);

    /// <summary>P and M of <paramref name="region"/>.</summary>
    public RegionWarp Warp(FaceRegion region) => _warps[(int)region];

    /// <summary>The frame warped with the region's M, [H, W, 3] RGB uint8.</summary>
    public ReadOnlySpan<byte> Warped(FaceRegion region) => _warped[(int)region];

    internal void SetWarp(FaceRegion region, RegionWarp warp) => _warps[(int)region] = warp;

    internal byte[] WarpedBuffer(FaceRegion region) => _warped[(int)region];
}

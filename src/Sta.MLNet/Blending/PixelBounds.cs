namespace Sta.MLNet;

/// <summary>A half-open pixel rectangle [Left, Right) x [Top, Bottom); empty when either extent is zero.</summary>
internal readonly record struct PixelBounds(int Left, int Top, int Right, int Bottom)
{
    /// <summary>The empty rectangle.</summary>
    public static PixelBounds Empty => default;

    public int Width => Math.Max(Right - Left, 0);

    public int Height => Math.Max(Bottom - Top, 0);

    public bool IsEmpty => Width == 0 || Height == 0;

    /// <summary>Smallest rectangle holding both; an empty operand is ignored.</summary>
    public PixelBounds Union(PixelBounds other)
    {
        if (IsEmpty) return other;
        if (other.IsEmpty) return this;
        return new PixelBounds(Math.Min(Left, other.Left), Math.Min(Top, other.Top),
            Math.Max(Right, other.Right), Math.Max(Bottom, other.Bottom));
    }
}

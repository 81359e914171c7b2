using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>
/// A face rectangle in dlib's convention: inclusive pixel indices, so <see cref="Width"/> = Right - Left + 1.
/// Pixel (c, r) has coordinates (c, r) (origin at the centre of the top-left pixel).
/// </summary>
internal readonly record struct FaceBox(int Left, int Top, int Right, int Bottom)
{
    public int Width => Right - Left + 1;
    public int Height => Bottom - Top + 1;

    /// <summary>Width x height in pixels (dlib's <c>rectangle::area</c>, the key of the "largest face" rule).</summary>
    public long Area => IsEmpty ? 0 : (long)Width * Height;

    public bool IsEmpty => Right < Left || Bottom < Top;

    /// <summary>Centre in pixel coordinates.</summary>
    public Point2d Center => new((Left + Right) / 2.0, (Top + Bottom) / 2.0);

    /// <summary>From an OpenCV rectangle (x, y, width, height): the same pixels.</summary>
    public static FaceBox FromRect(Rect rect) => new(rect.X, rect.Y, rect.X + rect.Width - 1, rect.Y + rect.Height - 1);

    /// <summary>To an OpenCV rectangle covering the same pixels.</summary>
    public Rect ToRect() => new(Left, Top, Width, Height);

    /// <summary>Intersection over union of the covered pixel sets (0 when disjoint or empty).</summary>
    public double IntersectionOverUnion(FaceBox other)
    {
        var intersection = new FaceBox(Math.Max(Left, other.Left), Math.Max(Top, other.Top),
            Math.Min(Right, other.Right), Math.Min(Bottom, other.Bottom)).Area;
        var union = Area + other.Area - intersection;
        return union <= 0 ? 0 : (double)intersection / union;
    }

    public override string ToString() => $"[{Left}, {Top}, {Right}, {Bottom}]";
}

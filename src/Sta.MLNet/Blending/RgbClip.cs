namespace Sta.MLNet;

/// <summary>
/// A clip of RGB uint8 frames stored contiguously as [T, H, W, 3] (frame, row, column, channel; HWC per frame): the
/// layout decoders and OpenCV produce and the one Video-level Blending and the clip augmentation read and write.
/// </summary>
public sealed class RgbClip
{
    /// <summary>Wraps <paramref name="pixels"/> (not copied).</summary>
    public RgbClip(byte[] pixels, int frameCount, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (frameCount <= 0 || height <= 0 || width <= 0)
            throw new ArgumentOutOfRangeException(nameof(frameCount), $"Clip shape must be positive; got {frameCount}x{height}x{width}.");
        if (pixels.LongLength != (long)frameCount * height * width * 3)
            throw new ArgumentException($"A {frameCount}x{height}x{width}x3 clip needs {(long)frameCount * height * width * 3} bytes; got {pixels.LongLength}.", nameof(pixels));
        Pixels = pixels;
        FrameCount = frameCount;
        Height = height;
        Width = width;
    }

    /// <summary>A zero (black) clip.</summary>
    public static RgbClip Zeros(int frameCount, int height, int width) =>
        new(new byte[checked(frameCount * height * width * 3)], frameCount, height, width);

    /// <summary>All pixels, [T, H, W, 3].</summary>
    public byte[] Pixels { get; }

    /// <summary>Frames in the clip.</summary>
    public int FrameCount { get; }

    /// <summary>Frame height in pixels.</summary>
    public int Height { get; }

    /// <summary>Frame width in pixels.</summary>
    public int Width { get; }

    /// <summary>Bytes per frame (H x W x 3).</summary>
    public int FrameLength => Height * Width * 3;

    /// <summary>
    /// Checks that <paramref name="sourceLength"/> and <paramref name="destinationLength"/> bytes hold a
    /// [<paramref name="frameCount"/>, <paramref name="height"/>, <paramref name="width"/>, 3] clip each (the span-based
    /// blending and augmentation entry points); returns the bytes per frame.
    /// </summary>
    internal static int CheckLayout(int sourceLength, int destinationLength, int frameCount, int height, int width)
    {
        if (frameCount <= 0 || height <= 0 || width <= 0)
            throw new ArgumentOutOfRangeException(nameof(frameCount), $"Clip shape must be positive; got {frameCount}x{height}x{width}.");
        var frameLength = checked(height * width * 3);
        if (sourceLength != frameCount * frameLength)
            throw new ArgumentException($"A {frameCount}x{height}x{width}x3 clip needs {frameCount * frameLength} bytes; got {sourceLength}.", "frames");
        if (destinationLength != sourceLength)
            throw new ArgumentException($"Destination needs {sourceLength} bytes; got {destinationLength}.", "destination");
        return frameLength;
    }

    /// <summary>Frame <paramref name="index"/> as [H, W, 3].</summary>
    public Span<byte> Frame(int index)
    {
        if ((uint)index >= (uint)FrameCount) throw new ArgumentOutOfRangeException(nameof(index), index, $"The clip has {FrameCount} frames.");
        return Pixels.AsSpan(index * FrameLength, FrameLength);
    }
}

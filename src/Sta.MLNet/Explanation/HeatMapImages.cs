using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>
/// Pictures of <see cref="ClipExplainer"/> heat maps: a strip of a clip's aligned faces, the same strip with the heat laid
/// over it (colour and opacity both grow with the heat, so faces stay visible where there is none), or both rows in one
/// PNG. Small network inputs are enlarged by whole-pixel replication, so the picture shows the pixels the network saw.
/// Pixel-level heat is sparse, so for the eye it is spread with a small Gaussian (a quarter of a patch) and scaled so
/// that the clip's 99th percentile of non-zero heat is full colour; the arrays themselves are left as they are.
/// </summary>
internal static class HeatMapImages
{
    /// <summary>Opacity of the colour where the heat is 1.</summary>
    private const double MaxOpacity = 0.65;

    /// <summary>
    /// A frame size that reads well on a screen: the clip's own size from 112 px up, otherwise the smallest whole
    /// multiple of it that reaches 112 px (32 px faces are shown at 128 px).
    /// </summary>
    public static int DisplaySize(int clipSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(clipSize, 1);
        return clipSize >= 112 ? clipSize : clipSize * (int)Math.Ceiling(112.0 / clipSize);
    }

    /// <summary>PNG of the faces side by side, each <paramref name="frameSize"/> px (default <see cref="DisplaySize"/>).</summary>
    public static byte[] FacesPng(RgbClip faces, int? frameSize = null)
    {
        ArgumentNullException.ThrowIfNull(faces);
        using var strip = RenderFaces(faces, frameSize ?? DisplaySize(faces.Width));
        return EncodePng(strip);
    }

    /// <summary>PNG of the faces with the heat of <paramref name="heat"/> laid over them.</summary>
    /// <param name="patchSize">The network's patch size in input pixels (<see cref="StaExplainer.PatchSize"/>): sets how far the heat is spread for display.</param>
    public static byte[] OverlayPng(RgbClip faces, ClipExplanation heat, int patchSize, int? frameSize = null)
    {
        ArgumentNullException.ThrowIfNull(faces);
        using var strip = RenderOverlay(faces, heat, frameSize ?? DisplaySize(faces.Width), patchSize);
        return EncodePng(strip);
    }

    /// <summary>Writes a PNG with the faces on top and, when <paramref name="heat"/> is given, the overlay below.</summary>
    /// <param name="patchSize">The network's patch size in input pixels (<see cref="StaExplainer.PatchSize"/>).</param>
    public static void WriteStrip(string path, RgbClip faces, ClipExplanation? heat, int patchSize, int? frameSize = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(faces);
        var size = frameSize ?? DisplaySize(faces.Width);
        using var top = RenderFaces(faces, size);
        using var bottom = heat is null ? null : RenderOverlay(faces, heat, size, patchSize);
        using var both = new Mat();
        if (bottom is null) top.CopyTo(both);
        else Cv2.VConcat([top, bottom], both);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        File.WriteAllBytes(path, EncodePng(both));
    }

    /// <summary>The faces as one BGR strip, [frameSize, T * frameSize].</summary>
    private static Mat RenderFaces(RgbClip faces, int frameSize)
    {
        ArgumentNullException.ThrowIfNull(faces);
        ArgumentOutOfRangeException.ThrowIfLessThan(frameSize, 1);
        var strip = new Mat(frameSize, frameSize * faces.FrameCount, MatType.CV_8UC3);
        try
        {
            var enlarge = frameSize >= faces.Width;
            for (int t = 0; t < faces.FrameCount; t++)
            {
                using var rgb = new Mat(faces.Height, faces.Width, MatType.CV_8UC3);
                unsafe
                {
                    faces.Frame(t).CopyTo(new Span<byte>((void*)rgb.Data, faces.FrameLength));
                }
                using var bgr = new Mat();
                Cv2.CvtColor(rgb, bgr, ColorConversionCodes.RGB2BGR);
                using var cell = new Mat(strip, new Rect(t * frameSize, 0, frameSize, frameSize));
                Cv2.Resize(bgr, cell, new Size(frameSize, frameSize), 0, 0, enlarge ? InterpolationFlags.Nearest : InterpolationFlags.Area);
            }
            return strip;
        }
        catch
        {
            strip.Dispose();
            throw;
        }
    }

    /// <summary>The faces strip with each pixel mixed towards the colour of its heat, by an opacity that grows with it.</summary>
    private static unsafe Mat RenderOverlay(RgbClip faces, ClipExplanation heat, int frameSize, int patchSize)
    {
        ArgumentNullException.ThrowIfNull(heat);
        if (heat.FrameCount != faces.FrameCount || heat.Size != faces.Width || heat.Size != faces.Height)
            throw new ArgumentException($"The heat map is {heat.FrameCount}x{heat.Size}x{heat.Size}; the faces {faces.FrameCount}x{faces.Height}x{faces.Width}.", nameof(heat));
        var strip = RenderFaces(faces, frameSize);
        try
        {
            using var levels = DisplayLevels(heat, frameSize, patchSize);
            using var colours = new Mat();
            Cv2.ApplyColorMap(levels, colours, ColormapTypes.Turbo);
            int rows = strip.Rows, columns = strip.Cols;
            for (int y = 0; y < rows; y++)
            {
                var face = (byte*)strip.Ptr(y);
                var colour = (byte*)colours.Ptr(y);
                var level = (byte*)levels.Ptr(y);
                for (int x = 0; x < columns; x++)
                {
                    double alpha = MaxOpacity * level[x] / 255.0;
                    for (int c = 0; c < 3; c++)
                        face[3 * x + c] = (byte)Math.Round(face[3 * x + c] * (1 - alpha) + colour[3 * x + c] * alpha);
                }
            }
            return strip;
        }
        catch
        {
            strip.Dispose();
            throw;
        }
    }

    /// <summary>The heat as 8-bit levels of the strip: resized, spread by a quarter of a patch, scaled to the clip's 99th percentile.</summary>
    private static unsafe Mat DisplayLevels(ClipExplanation heat, int frameSize, int patchSize)
    {
        int frames = heat.FrameCount, size = heat.Size;
        using var values = new Mat(frameSize, frameSize * frames, MatType.CV_32FC1);
        for (int t = 0; t < frames; t++)
        {
            using var map = new Mat(size, size, MatType.CV_32FC1);
            heat.Frame(t).CopyTo(new Span<float>((void*)map.Data, size * size));
            using var cell = new Mat(values, new Rect(t * frameSize, 0, frameSize, frameSize));
            Cv2.Resize(map, cell, new Size(frameSize, frameSize), 0, 0, frameSize >= size ? InterpolationFlags.Linear : InterpolationFlags.Area);
            double sigma = Math.Max(0.5, patchSize / 4.0 * frameSize / size);
            Cv2.GaussianBlur(cell, cell, new Size(0, 0), sigma, sigma, BorderTypes.Reflect101 | BorderTypes.Isolated);
        }
        var all = new float[frameSize * frameSize * frames];
        new ReadOnlySpan<float>((void*)values.Data, all.Length).CopyTo(all);
        var positive = all.Where(v => v > 0).ToArray();
        float scale = 0;
        if (positive.Length > 0)
        {
            Array.Sort(positive);
            scale = positive[(int)Math.Min(positive.Length - 1, Math.Floor(0.99 * positive.Length))];
        }
        var levels = new Mat(frameSize, frameSize * frames, MatType.CV_8UC1, Scalar.All(0));
        if (scale > 0)
            values.ConvertTo(levels, MatType.CV_8UC1, 255.0 / scale);
        return levels;
    }

    private static byte[] EncodePng(Mat bgr)
    {
        if (!Cv2.ImEncode(".png", bgr, out var png))
            throw new InvalidOperationException("OpenCV could not encode the picture as PNG.");
        return png;
    }
}

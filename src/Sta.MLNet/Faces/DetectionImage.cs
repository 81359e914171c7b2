using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>
/// Prepares a frame for a detector: optional down-scaling so that the longer side is at most a limit (detection
/// cost grows with the pixel count, and faces in 720p/1080p video are large), and mapping of boxes back.
/// </summary>
internal static class DetectionImage
{
    /// <summary>Factor image-to-detection (&lt;= 1) for a longer-side limit; 0 or negative = no limit.</summary>
    public static double ScaleFor(Size size, int maxSide)
    {
        var longer = Math.Max(size.Width, size.Height);
        return maxSide > 0 && longer > maxSide ? (double)maxSide / longer : 1.0;
    }

    /// <summary>
    /// The size an image is shrunk to for a wanted factor, and the factor actually achieved (sizes are rounded to
    /// whole pixels; boxes must be mapped back with the achieved factor).
    /// </summary>
    public static (Size Size, double Scale) Shrunk(Size size, double scale)
    {
        if (scale >= 1)
            return (size, 1.0);
        var width = Math.Max(1, (int)Math.Round(size.Width * scale));
        var height = Math.Max(1, (int)Math.Round(size.Height * scale));
        return (new Size(width, height), (double)width / size.Width);
    }

    /// <summary>Grey levels of an 8-bit image with 1 (copied), 3 or 4 channels in <paramref name="order"/>.</summary>
    public static void ToGrey(Mat image, ChannelOrder order, Mat destination)
    {
        switch (image.Channels())
        {
            case 1:
                image.CopyTo(destination);
                break;
            case 3:
                Cv2.CvtColor(image, destination, order == ChannelOrder.Bgr ? ColorConversionCodes.BGR2GRAY : ColorConversionCodes.RGB2GRAY);
                break;
            default:
                Cv2.CvtColor(image, destination, order == ChannelOrder.Bgr ? ColorConversionCodes.BGRA2GRAY : ColorConversionCodes.RGBA2GRAY);
                break;
        }
    }

    public static void Validate(Mat image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Empty())
            throw new ArgumentException("The image is empty.", nameof(image));
        if (image.Depth() != MatType.CV_8U || image.Channels() is not (1 or 3 or 4))
            throw new ArgumentException($"Expected an 8-bit image with 1, 3 or 4 channels, got type {image.Type()}.", nameof(image));
    }

    /// <summary>A box found at detection scale, back in image pixels (rounded outward-neutral: corners rounded).</summary>
    public static FaceBox ToImage(double x, double y, double width, double height, double scale)
    {
        var left = (int)Math.Round(x / scale);
        var top = (int)Math.Round(y / scale);
        var right = (int)Math.Round((x + width) / scale) - 1;
        var bottom = (int)Math.Round((y + height) / scale) - 1;
        return new FaceBox(left, top, Math.Max(left, right), Math.Max(top, bottom));
    }
}

using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>
/// An 8-bit grey image in dlib's sense: for colour input the grey level is the integer average (r + g + b) / 3
/// (dlib's <c>get_pixel_intensity</c> of an <c>rgb_pixel</c>, symmetric in the channels, so BGR and RGB give the same
/// image). Build it once per frame when several faces of the frame are landmarked; for a single face the predictor
/// can read a <see cref="Mat"/> directly and touches only the ~7,500 pixels it samples.
/// </summary>
internal sealed class GreyImage
{
    public GreyImage(byte[] pixels, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        if (pixels.Length < (long)width * height)
            throw new ArgumentException($"{pixels.Length} bytes cannot hold a {width}x{height} image.", nameof(pixels));
        Pixels = pixels;
        Width = width;
        Height = height;
    }

    /// <summary>Row-major pixels, stride = <see cref="Width"/>.</summary>
    public byte[] Pixels { get; }
    public int Width { get; }
    public int Height { get; }

    /// <summary>Converts an 8-bit image with 1, 3 or 4 channels (the 4th, alpha, is ignored).</summary>
    public static GreyImage FromMat(Mat image)
    {
        var grey = new GreyImage(new byte[checked(image.Width * image.Height)], image.Width, image.Height);
        grey.CopyFrom(image);
        return grey;
    }

    /// <summary>Overwrites this image from <paramref name="image"/>, which must have the same size; no allocation.</summary>
    public unsafe void CopyFrom(Mat image)
    {
        var source = MatIntensitySource.Create(image);
        if (image.Width != Width || image.Height != Height)
            throw new ArgumentException($"Image is {image.Width}x{image.Height}, this grey image is {Width}x{Height}.", nameof(image));
        fixed (byte* target = Pixels)
        {
            for (var y = 0; y < Height; y++)
            {
                var row = target + (long)y * Width;
                for (var x = 0; x < Width; x++)
                    row[x] = (byte)source.Intensity(x, y);
            }
        }
    }
}

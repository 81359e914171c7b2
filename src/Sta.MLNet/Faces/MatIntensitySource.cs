using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>
/// Grey levels read in place from 8-bit pixel memory with 1, 3 or 4 channels: (c0 + c1 + c2) / 3 in integer
/// arithmetic for colour (dlib's intensity of an RGB pixel), the value itself for grey. The memory must stay alive
/// and pinned while the source is used (a <see cref="Mat"/>'s data is native, a managed array needs <c>fixed</c>).
/// </summary>
internal readonly unsafe struct MatIntensitySource
{
    private readonly byte* _data;
    private readonly long _stride;
    private readonly int _channels;

    public MatIntensitySource(byte* data, int width, int height, long stride, int channels)
    {
        _data = data;
        Width = width;
        Height = height;
        _stride = stride;
        _channels = channels;
    }

    public int Width { get; }
    public int Height { get; }

    public static MatIntensitySource Create(Mat image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Empty())
            throw new ArgumentException("The image is empty.", nameof(image));
        if (image.Depth() != MatType.CV_8U || image.Dims > 2)
            throw new ArgumentException($"Expected an 8-bit 2-D image, got type {image.Type()}.", nameof(image));
        var channels = image.Channels();
        if (channels is not (1 or 3 or 4))
            throw new ArgumentException($"Expected 1, 3 or 4 channels, got {channels}.", nameof(image));
        return new MatIntensitySource((byte*)image.DataPointer, image.Width, image.Height, image.Step(), channels);
    }

    /// <summary>Grey level of pixel (x, y); the caller guarantees 0 &lt;= x &lt; Width and 0 &lt;= y &lt; Height.</summary>
    public int Intensity(int x, int y)
    {
        var p = _data + y * _stride + (long)x * _channels;
        return _channels == 1 ? p[0] : (p[0] + p[1] + p[2]) / 3;
    }
}

using System.Runtime.InteropServices;
using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>
/// Face detection with OpenCV's YuNet CNN (<c>FaceDetectorYN</c>) from a user-supplied ONNX file. More robust than
/// the cascades on turned and small faces. OpenCvSharp does not expose <c>setInputSize</c>, so the network is
/// re-created whenever the (scaled) frame size changes; within a video it is created once.
/// </summary>
internal sealed class YuNetFaceDetector : IFaceDetector
{
    private readonly Lock _gate = new();
    private readonly string _modelPath;
    private FaceDetectorYN? _network;
    private Size _networkSize;

    /// <exception cref="FaceModelNotFoundException">The ONNX file does not exist.</exception>
    public YuNetFaceDetector(YuNetFaceDetectorOptions options)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        _modelPath = Path.GetFullPath(FaceModelPaths.RequireFile(options.ModelPath, "YuNet face detector model"));
        // Load once now so that a broken file fails at construction, not at the first frame.
        lock (_gate)
            EnsureNetwork(new Size(320, 320));
    }

    public YuNetFaceDetectorOptions Options { get; }

    public IReadOnlyList<FaceDetection> Detect(Mat image, ChannelOrder order = ChannelOrder.Bgr)
    {
        DetectionImage.Validate(image);
        var (size, scale) = DetectionImage.Shrunk(image.Size(), DetectionImage.ScaleFor(image.Size(), Options.MaxImageSide));
        using var input = new Mat();
        // YuNet expects 3-channel BGR.
        switch (image.Channels())
        {
            case 1:
                Cv2.CvtColor(image, input, ColorConversionCodes.GRAY2BGR);
                break;
            case 3:
                if (order == ChannelOrder.Rgb)
                    Cv2.CvtColor(image, input, ColorConversionCodes.RGB2BGR);
                else
                    image.CopyTo(input);
                break;
            default:
                Cv2.CvtColor(image, input, order == ChannelOrder.Bgr ? ColorConversionCodes.BGRA2BGR : ColorConversionCodes.RGBA2BGR);
                break;
        }
        if (scale < 1)
            Cv2.Resize(input, input, size, interpolation: InterpolationFlags.Area);
        using var faces = new Mat();
        lock (_gate)
        {
            var network = EnsureNetwork(size);
            network.Detect(input, faces);
        }
        if (faces.Empty())
            return [];
        var rows = faces.Rows;
        var columns = faces.Cols;
        if (faces.Type() != MatType.CV_32FC1 || columns < 15)
            throw new InvalidOperationException($"YuNet returned a {rows}x{columns} matrix of type {faces.Type()}, expected Nx15 float32.");
        var values = new float[rows * columns];
        // Clone() yields continuous memory whatever the source layout.
        using (var continuous = faces.Clone())
            Marshal.Copy(continuous.Data, values, 0, values.Length);
        var result = new FaceDetection[rows];
        for (var i = 0; i < rows; i++)
        {
            // Row layout: x, y, w, h, five landmark (x, y) pairs, score.
            var row = i * columns;
            var box = DetectionImage.ToImage(values[row], values[row + 1], values[row + 2], values[row + 3], scale);
            result[i] = new FaceDetection(box, values[row + 14]);
        }
        return result;
    }

    private FaceDetectorYN EnsureNetwork(Size size)
    {
        if (_network is not null && _networkSize == size)
            return _network;
        _network?.Dispose();
        _network = null;
        try
        {
            _network = FaceDetectorYN.Create(_modelPath, "", size, Options.ScoreThreshold, Options.NmsThreshold, Options.TopK);
        }
        catch (OpenCVException e)
        {
            throw new InvalidDataException($"OpenCV cannot load '{_modelPath}' as a YuNet ONNX model: {e.Message}", e);
        }
        _networkSize = size;
        return _network;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _network?.Dispose();
            _network = null;
        }
    }
}

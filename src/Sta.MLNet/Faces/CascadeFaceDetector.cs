using System.Collections.Concurrent;
using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>
/// Face detection with an OpenCV Haar or LBP cascade (by default Debian's
/// <c>haarcascade_frontalface_default.xml</c>). A substitute for dlib's HOG detector, which is not ported: its
/// boxes are placed and sized differently, so landmarks from them differ somewhat from the upstream pipeline.
/// </summary>
internal sealed class CascadeFaceDetector : IFaceDetector
{
    // detectMultiScale keeps per-image state inside the classifier, so concurrent callers each rent their own
    // instance; the pool grows to the number of threads that detect at the same time.
    private readonly ConcurrentBag<CascadeClassifier> _pool = [];
    private readonly string _path;
    private bool _disposed;

    /// <exception cref="FaceModelNotFoundException">The cascade file does not exist.</exception>
    /// <exception cref="InvalidDataException">OpenCV cannot load the file as a cascade.</exception>
    public CascadeFaceDetector(CascadeFaceDetectorOptions? options = null)
    {
        Options = options ?? new CascadeFaceDetectorOptions();
        if (Options.ScaleFactor <= 1)
            throw new ArgumentOutOfRangeException(nameof(options), Options.ScaleFactor, "ScaleFactor must be > 1.");
        ArgumentOutOfRangeException.ThrowIfNegative(Options.MinNeighbors);
        _path = FaceModelPaths.RequireFile(Options.ModelPath, "OpenCV cascade");
        // Load one instance now so that a broken file fails at construction, not at the first frame.
        _pool.Add(LoadClassifier(_path));
    }

    private static CascadeClassifier LoadClassifier(string path)
    {
        var classifier = new CascadeClassifier();
        bool loaded;
        try
        {
            loaded = classifier.Load(path);
        }
        catch (OpenCVException e)
        {
            classifier.Dispose();
            throw new InvalidDataException($"OpenCV cannot load '{path}' as a Haar/LBP cascade: {e.Message}", e);
        }
        if (!loaded || classifier.Empty())
        {
            classifier.Dispose();
            throw new InvalidDataException($"OpenCV cannot load '{path}' as a Haar/LBP cascade.");
        }
        return classifier;
    }

    public CascadeFaceDetectorOptions Options { get; }

    public IReadOnlyList<FaceDetection> Detect(Mat image, ChannelOrder order = ChannelOrder.Bgr) => Detect(image, order, null);

    /// <summary>
    /// Faces whose side is in <paramref name="sizes"/> (and at least <see cref="CascadeFaceDetectorOptions.MinFaceSize"/>):
    /// the cascade scans only those sizes, which skips the costly small-face levels of the pyramid.
    /// </summary>
    public IReadOnlyList<FaceDetection> Detect(Mat image, ChannelOrder order, FaceSizeRange sizes) => Detect(image, order, (FaceSizeRange?)sizes);

    /// <summary>True: the cascade runs on grey levels.</summary>
    public bool ReadsGreyLevelsOnly => true;

    private FaceDetection[] Detect(Mat image, ChannelOrder order, FaceSizeRange? sizes)
    {
        DetectionImage.Validate(image);
        if (sizes is { } wanted && wanted.MaxSide < Options.MinFaceSize)
            return []; // every wanted size is below the smallest face this detector reports
        var (detectionSize, scale) = DetectionImage.Shrunk(image.Size(), DetectionImage.ScaleFor(image.Size(), Options.MaxImageSide));
        using var grey = new Mat();
        DetectionImage.ToGrey(image, order, grey);
        if (scale < 1)
            Cv2.Resize(grey, grey, detectionSize, interpolation: InterpolationFlags.Area);
        if (Options.EqualizeHistogram)
            Cv2.EqualizeHist(grey, grey);
        var minSide = Math.Max(1, (int)Math.Round(Math.Max(Options.MinFaceSize, sizes?.MinSide ?? 0) * scale));
        // OpenCV reads a zero maximum as "no limit"; a range entirely below MinFaceSize finds nothing.
        var maxSide = sizes is { } range ? Math.Max(minSide, (int)Math.Round(range.MaxSide * scale)) : 0;
        ObjectDisposedException.ThrowIf(_disposed, this);
        var classifier = _pool.TryTake(out var pooled) ? pooled : LoadClassifier(_path);
        Rect[] rects;
        try
        {
            rects = classifier.DetectMultiScale(grey, Options.ScaleFactor, Options.MinNeighbors, HaarDetectionTypes.ScaleImage,
                new Size(minSide, minSide), new Size(maxSide, maxSide));
        }
        finally
        {
            _pool.Add(classifier);
        }
        var result = new FaceDetection[rects.Length];
        for (var i = 0; i < rects.Length; i++)
            result[i] = new FaceDetection(DetectionImage.ToImage(rects[i].X, rects[i].Y, rects[i].Width, rects[i].Height, scale), double.NaN);
        return result;
    }

    /// <summary>Releases the classifiers; do not call while another thread is detecting.</summary>
    public void Dispose()
    {
        _disposed = true;
        while (_pool.TryTake(out var classifier))
            classifier.Dispose();
    }
}

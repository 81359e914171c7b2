using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>
/// DeepfakeBench/StA face alignment: five landmarks -> least-squares similarity onto the enlarged ArcFace template
/// (<see cref="ArcFaceAlignmentTemplate"/>) -> <c>Cv2.WarpAffine</c> with bilinear interpolation and a black border.
/// Thread-safe (holds only its options and the precomputed template).
/// </summary>
internal sealed class FaceAligner
{
    private readonly Point2f[] _destination;

    public FaceAligner(FaceAlignmentOptions? options = null)
    {
        Options = options ?? new FaceAlignmentOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.OutputSize);
        if (Options.LandmarkIndices.Count != ArcFaceAlignmentTemplate.Template112.Count)
            throw new ArgumentException($"Alignment needs {ArcFaceAlignmentTemplate.Template112.Count} landmark indices, got {Options.LandmarkIndices.Count}.", nameof(options));
        _destination = ArcFaceAlignmentTemplate.DestinationPoints(Options.OutputSize, Options.Scale);
    }

    public FaceAlignmentOptions Options { get; }

    /// <summary>Template points in crop coordinates (float32).</summary>
    public IReadOnlyList<Point2f> DestinationPoints => _destination;

    /// <summary>The five alignment points of a landmark set, as float32 (integer parts by default, like upstream).</summary>
    /// <exception cref="ArgumentException">The landmark set lacks one of <see cref="FaceAlignmentOptions.LandmarkIndices"/>.</exception>
    public Point2f[] SelectAlignmentPoints(FaceLandmarks landmarks)
    {
        ArgumentNullException.ThrowIfNull(landmarks);
        var result = new Point2f[Options.LandmarkIndices.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var index = Options.LandmarkIndices[i];
            if ((uint)index >= (uint)landmarks.Count)
                throw new ArgumentException($"Alignment landmark {index} does not exist in a {landmarks.Count}-point landmark set.", nameof(landmarks));
            result[i] = Options.UseIntegerLandmarks
                ? new Point2f(landmarks.Parts[index].X, landmarks.Parts[index].Y)
                : new Point2f((float)landmarks.Points[index].X, (float)landmarks.Points[index].Y);
        }
        return result;
    }

    /// <summary>The source-to-crop transform for five source points (template order).</summary>
    public AffineTransform2D EstimateTransform(IReadOnlyList<Point2f> sourcePoints) =>
        SimilarityTransformEstimator.Estimate(sourcePoints, _destination, Options.Precision);

    /// <summary>Aligns the face with the given landmarks.</summary>
    public AlignedFace Align(Mat image, FaceLandmarks landmarks) => Align(image, SelectAlignmentPoints(landmarks));

    /// <summary>Aligns the face whose five alignment points (template order) are given in image coordinates.</summary>
    public AlignedFace Align(Mat image, IReadOnlyList<Point2f> sourcePoints)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Empty())
            throw new ArgumentException("The image is empty.", nameof(image));
        var transform = EstimateTransform(sourcePoints);
        return new AlignedFace(Warp(image, transform, Options.OutputSize), transform, sourcePoints.ToArray(), _destination);
    }

    /// <summary>
    /// <c>cv2.warpAffine(image, M, (size, size))</c> with upstream's defaults: bilinear, constant border 0.
    /// </summary>
    public static Mat Warp(Mat image, AffineTransform2D transform, int outputSize)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputSize);
        using var matrix = transform.ToMat();
        var result = new Mat();
        try
        {
            Cv2.WarpAffine(image, result, matrix, new Size(outputSize, outputSize), InterpolationFlags.Linear, BorderTypes.Constant, Scalar.All(0));
        }
        catch
        {
            result.Dispose();
            throw;
        }
        return result;
    }
}

using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>An aligned square face crop and how it was obtained. Owns <see cref="Image"/>: dispose it.</summary>
/// <param name="Image">The crop, same type and channel order as the input image.</param>
/// <param name="Transform">Source image coordinates to crop coordinates (the matrix given to warpAffine).</param>
/// <param name="SourcePoints">The five alignment points in the source image (float32, as estimated).</param>
/// <param name="DestinationPoints">Where the template puts them in the crop.</param>
internal sealed record AlignedFace(Mat Image, AffineTransform2D Transform, IReadOnlyList<Point2f> SourcePoints, IReadOnlyList<Point2f> DestinationPoints)
    : IDisposable
{
    public void Dispose() => Image.Dispose();
}

using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>Finds faces in one 8-bit image. Implementations are safe to call from several threads.</summary>
internal interface IFaceDetector : IDisposable
{
    /// <summary>All faces found, in the detector's order (not sorted by size).</summary>
    /// <param name="image">8-bit image with 1, 3 or 4 channels.</param>
    /// <param name="order">Channel order of a colour <paramref name="image"/>.</param>
    IReadOnlyList<FaceDetection> Detect(Mat image, ChannelOrder order = ChannelOrder.Bgr);

    /// <summary>
    /// Faces of about the sizes in <paramref name="sizes"/>: a detector that can skip other sizes does (cheaper); the
    /// default ignores the hint and searches all sizes.
    /// </summary>
    IReadOnlyList<FaceDetection> Detect(Mat image, ChannelOrder order, FaceSizeRange sizes) => Detect(image, order);

    /// <summary>
    /// Whether the detector reads only grey levels, so that a caller about to shrink a colour image for it may convert
    /// to grey first (a third of the pixels to resample). Default false.
    /// </summary>
    bool ReadsGreyLevelsOnly => false;
}

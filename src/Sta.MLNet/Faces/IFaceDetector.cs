using OpenCvSharp;

namespace Sta.MLNet.Faces;

/// <summary>Finds faces in one 8-bit image. Implementations are safe to call from several threads.</summary>
public interface IFaceDetector : IDisposable
{
    /// <summary>All faces found, in the detector's order (not sorted by size).</summary>
    /// <param name="image">8-bit image with 1, 3 or 4 channels.</param>
    /// <param name="order">Channel order of a colour <paramref name="image"/>.</param>
    IReadOnlyList<FaceDetection> Detect(Mat image, ChannelOrder order = ChannelOrder.Bgr);
}

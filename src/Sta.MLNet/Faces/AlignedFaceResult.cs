using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>One face of one image through the front end. Owns the crop: dispose it.</summary>
/// <param name="Box">The box that was landmarked (detected, or borrowed from another frame by the no-face policy).</param>
/// <param name="Detected">False when <paramref name="Box"/> was borrowed from another frame of the clip.</param>
/// <param name="Landmarks">Landmarks in the source image (68 or 81 points, as the model has).</param>
/// <param name="Aligned">The aligned crop and its transform.</param>
/// <param name="CropLandmarks">
/// <paramref name="Landmarks"/> (un-rounded) mapped into the crop through the alignment transform. Upstream instead
/// re-detects and re-landmarks the crop with dlib; the mapped points avoid a second detection that can fail or pick
/// another face, and differ from re-landmarking by the predictor's own jitter (about a pixel).
/// </param>
internal sealed record AlignedFaceResult(FaceBox Box, bool Detected, FaceLandmarks Landmarks, AlignedFace Aligned, IReadOnlyList<Point2d> CropLandmarks)
    : IDisposable
{
    public void Dispose() => Aligned.Dispose();
}

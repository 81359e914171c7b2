using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>
/// Result of the shape predictor for one face box.
/// </summary>
/// <param name="Box">The box the predictor was run on.</param>
/// <param name="Points">Un-rounded landmark positions in image pixel coordinates.</param>
/// <param name="Parts">
/// Integer landmarks exactly as dlib's <c>full_object_detection::part(i)</c> returns them: floor(v + 0.5) of
/// <see cref="Points"/>. DeepfakeBench/StA use these integers for alignment and store them as landmarks.
/// </param>
/// <param name="NormalizedShape">
/// The final float32 shape in the unit box of <paramref name="Box"/> (x0, y0, x1, y1, ...), dlib's internal result.
/// </param>
internal sealed record FaceLandmarks(FaceBox Box, IReadOnlyList<Point2d> Points, IReadOnlyList<Point> Parts, IReadOnlyList<float> NormalizedShape)
{
    public int Count => Points.Count;
}

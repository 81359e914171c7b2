using Sta.MLNet;

namespace Sta.MLNet.Cli.Faces;

/// <summary>Which face models the front end uses (the <c>--face-detector</c> and <c>--landmarks-model</c> options).</summary>
/// <param name="DetectorModelPath">A Haar/LBP cascade .xml (OpenCV) or a YuNet .onnx file. Default: Debian's alt2 cascade.</param>
/// <param name="LandmarksModelPath">A dlib shape predictor .dat (68 or 81 points). Default: Debian's 68-point model.</param>
public sealed record FaceSettings(string DetectorModelPath, string LandmarksModelPath)
{
    public static FaceSettings Default { get; } = new(FaceModelPaths.HaarFrontalFaceAlt2, FaceModelPaths.DlibShapePredictor68);
}

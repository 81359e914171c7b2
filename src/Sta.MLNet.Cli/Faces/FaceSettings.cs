using Sta.MLNet.Faces;

namespace Sta.MLNet.Cli.Faces;

/// <summary>Which face models the front end uses (the <c>--face-detector</c> and <c>--landmarks-model</c> options).</summary>
/// <param name="DetectorModelPath">A Haar/LBP cascade .xml (OpenCV) or a YuNet .onnx file. Default: Debian's alt2 cascade.</param>
/// <param name="LandmarksModelPath">A dlib shape predictor .dat (68 or 81 points). Default: Debian's 68-point model.</param>
/// <param name="AlignmentSize">Side of the aligned crop before the resize to the network's input (the <c>--alignment-size</c> option). Default 256.</param>
public sealed record FaceSettings(string DetectorModelPath, string LandmarksModelPath, int AlignmentSize = 256)
{
    public static FaceSettings Default { get; } = new(FaceModelPaths.HaarFrontalFaceAlt2, FaceModelPaths.DlibShapePredictor68);
}

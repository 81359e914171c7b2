namespace Sta.MLNet;

/// <summary>Which face detector the clip front end uses.</summary>
internal enum FaceDetectorKind
{
    /// <summary>OpenCV Haar/LBP cascade (<see cref="CascadeFaceDetector"/>); its default model ships with Debian's opencv-data.</summary>
    Cascade = 0,

    /// <summary>OpenCV's YuNet CNN (<see cref="YuNetFaceDetector"/>); needs a user-supplied ONNX file.</summary>
    YuNet = 1,
}

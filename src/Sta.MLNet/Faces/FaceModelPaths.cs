namespace Sta.MLNet;

/// <summary>
/// Default locations of the face models on Debian/Ubuntu, and the check that turns a missing file into a
/// <see cref="FaceModelNotFoundException"/> saying which package or file to install.
/// </summary>
internal static class FaceModelPaths
{
    /// <summary>dlib's 68-point iBUG model, installed by the Debian package <c>libdlib-data</c>.</summary>
    public const string DlibShapePredictor68 = "/usr/share/dlib/shape_predictor_68_face_landmarks.dat";

    /// <summary>
    /// OpenCV's "alt2" frontal-face Haar cascade (Debian package <c>opencv-data</c>), the default of
    /// <see cref="CascadeFaceDetector"/>: on our test frames it fired on background texture less often than
    /// <see cref="HaarFrontalFaceDefault"/> and ran faster.
    /// </summary>
    public const string HaarFrontalFaceAlt2 = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_alt2.xml";

    /// <summary>OpenCV's original frontal-face Haar cascade, installed by the Debian package <c>opencv-data</c>.</summary>
    public const string HaarFrontalFaceDefault = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml";

    /// <summary>OpenCV's improved frontal-face LBP cascade, installed by the Debian package <c>opencv-data</c>.</summary>
    public const string LbpFrontalFaceImproved = "/usr/share/opencv4/lbpcascades/lbpcascade_frontalface_improved.xml";

    /// <summary>Throws <see cref="FaceModelNotFoundException"/> when <paramref name="path"/> is not an existing file.</summary>
    /// <param name="path">The model file.</param>
    /// <param name="what">What the file is, for the message (e.g. "dlib shape predictor").</param>
    internal static string RequireFile(string path, string what)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (File.Exists(path))
            return path;
        throw FaceModelNotFoundException.For(path, what, RemedyFor(path));
    }

    private static string RemedyFor(string path)
    {
        var name = Path.GetFileName(path);
        if (name == Path.GetFileName(DlibShapePredictor68))
            return "It is installed by the Debian package libdlib-data (apt-get install libdlib-data), " +
                   $"at {DlibShapePredictor68}.";
        if (name.EndsWith(".dat", StringComparison.OrdinalIgnoreCase))
            return "Supply a dlib shape predictor .dat file at that path: the 68-point model comes with the Debian package " +
                   $"libdlib-data ({DlibShapePredictor68}); the 81-point model used by DeepfakeBench/StA " +
                   "(shape_predictor_81_face_landmarks.dat) is not packaged and must be obtained separately.";
        if (name.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            return "Supply the YuNet ONNX file (OpenCV Zoo face_detection_yunet_*.onnx) at that path, or use the cascade " +
                   $"detector, whose default model comes with the Debian package opencv-data ({HaarFrontalFaceDefault}).";
        if (name.EndsWith(".xml", StringComparison.OrdinalIgnoreCase))
            return "OpenCV's Haar/LBP cascades are installed by the Debian package opencv-data (apt-get install opencv-data), " +
                   "under /usr/share/opencv4/haarcascades and /usr/share/opencv4/lbpcascades.";
        return "Check the path.";
    }
}

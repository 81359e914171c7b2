namespace Sta.MLNet;

/// <summary>
/// A face model file (dlib shape predictor, OpenCV cascade, YuNet ONNX) is missing. The message names the file and
/// where to get it (for the defaults: the Debian package that installs it); nothing is ever downloaded at run time.
/// </summary>
internal sealed class FaceModelNotFoundException : FileNotFoundException
{
    public FaceModelNotFoundException(string message, string fileName)
        : base(message, fileName)
    {
    }

    internal static FaceModelNotFoundException For(string path, string what, string remedy) =>
        new($"{what} '{path}' does not exist. {remedy}", path);
}

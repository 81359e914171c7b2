namespace Sta.MLNet;

/// <summary>Settings of <see cref="YuNetFaceDetector"/> (OpenCV <c>FaceDetectorYN</c>).</summary>
internal sealed record YuNetFaceDetectorOptions
{
    /// <summary>
    /// The YuNet ONNX file (OpenCV Zoo <c>face_detection_yunet_2023mar.onnx</c> or similar). Required: no Debian package
    /// ships it and nothing is downloaded.
    /// </summary>
    public required string ModelPath { get; init; }

    /// <summary>Minimum face score kept; default 0.9 (OpenCV's sample default).</summary>
    public float ScoreThreshold { get; init; } = 0.9f;

    /// <summary>Non-maximum suppression IoU threshold; default 0.3.</summary>
    public float NmsThreshold { get; init; } = 0.3f;

    /// <summary>Candidates kept before NMS; default 5000.</summary>
    public int TopK { get; init; } = 5000;

    /// <summary>Longer image side the network sees; larger frames are shrunk first. Default 640; 0 = full resolution.</summary>
    public int MaxImageSide { get; init; } = 640;
}

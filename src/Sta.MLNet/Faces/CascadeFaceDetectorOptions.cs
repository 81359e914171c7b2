namespace Sta.MLNet;

/// <summary>Settings of <see cref="CascadeFaceDetector"/> (OpenCV <c>CascadeClassifier::detectMultiScale</c>).</summary>
internal sealed record CascadeFaceDetectorOptions
{
    /// <summary>
    /// Haar or LBP cascade XML. Default: <see cref="FaceModelPaths.HaarFrontalFaceAlt2"/> (Debian package opencv-data);
    /// <see cref="FaceModelPaths.HaarFrontalFaceDefault"/> and <see cref="FaceModelPaths.LbpFrontalFaceImproved"/> (faster,
    /// tighter boxes) also work.
    /// </summary>
    public string ModelPath { get; init; } = FaceModelPaths.HaarFrontalFaceAlt2;

    /// <summary>Pyramid step; default 1.1 (OpenCV's default).</summary>
    public double ScaleFactor { get; init; } = 1.1;

    /// <summary>
    /// Neighbouring raw detections a face needs; default 5 (OpenCV's default of 3 lets textured clothing and patches
    /// through more often).
    /// </summary>
    public int MinNeighbors { get; init; } = 5;

    /// <summary>
    /// Smallest face side in pixels of the image passed in; default 40. Smaller faces make blurry 224/256 crops, and
    /// every halving of this limit adds pyramid levels that dominate the detection time.
    /// </summary>
    public int MinFaceSize { get; init; } = 40;

    /// <summary>
    /// Longer image side the detector runs at; larger frames are shrunk first (INTER_AREA) and the boxes mapped
    /// back. Default 640; 0 = full resolution.
    /// </summary>
    public int MaxImageSide { get; init; } = 640;

    /// <summary>Equalise the grey histogram before detection (helps dark frames); default false.</summary>
    public bool EqualizeHistogram { get; init; }
}

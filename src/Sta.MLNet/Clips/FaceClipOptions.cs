
namespace Sta.MLNet;

/// <summary>
/// Everything that turns a video into model-ready clips: clip sampling, face detector, landmark model, alignment and
/// the no-face rule. Saved with the ML.NET stages that use it. Defaults: DeepfakeBench test sampling (32 evenly spaced
/// frames, clips of 8), the Haar cascade of Debian's opencv-data, dlib's 68-point model of libdlib-data, alignment to
/// 256 px then bicubic resize to 224 px (how the DeepfakeBench training frames were made, docs/design.md, "Face preprocessing"), face-less
/// clips rejected.
/// </summary>
public sealed record FaceClipOptions
{
    /// <summary>Number of landmarks per frame in the landmarks output (the iBUG 68; an 81-point model's first 68 are the same points).</summary>
    public const int LandmarkCount = 68;

    /// <summary>Which frames form the clips of a video. Default <see cref="ClipSamplingOptions.DeepfakeBench"/>.</summary>
    public ClipSamplingOptions Sampling { get; init; } = ClipSamplingOptions.DeepfakeBench;

    /// <summary>Face detector. Default <see cref="FaceDetectorKind.Cascade"/>.</summary>
    public FaceDetectorKind Detector { get; init; } = FaceDetectorKind.Cascade;

    /// <summary>Cascade settings (model path included), used with <see cref="FaceDetectorKind.Cascade"/>. Default: OpenCV's alt2 Haar cascade.</summary>
    public CascadeFaceDetectorOptions Cascade { get; init; } = new();

    /// <summary>YuNet settings (ONNX path included); required with <see cref="FaceDetectorKind.YuNet"/>. Default null.</summary>
    public YuNetFaceDetectorOptions? YuNet { get; init; }

    /// <summary>dlib shape predictor file (68 or 81 points). Default <see cref="FaceModelPaths.DlibShapePredictor68"/>.</summary>
    public string ShapePredictorPath { get; init; } = FaceModelPaths.DlibShapePredictor68;

    /// <summary>
    /// Side in pixels of the aligned crop before the final resize. Default 256 (DeepfakeBench preprocessing); 224 aligns
    /// directly at the model size as StA's demo does.
    /// </summary>
    public int AlignmentSize { get; init; } = 256;

    /// <summary>Context enlargement around the alignment template (margin = scale - 1). Default 1.3.</summary>
    public double AlignmentScale { get; init; } = ArcFaceAlignmentTemplate.DefaultScale;

    /// <summary>Similarity-estimate arithmetic. Default <see cref="SimilarityPrecision.Single"/> (upstream parity).</summary>
    internal SimilarityPrecision AlignmentPrecision { get; init; } = SimilarityPrecision.Single;

    /// <summary>
    /// Side in pixels of the output frames (the model input). Default 224. When it differs from
    /// <see cref="AlignmentSize"/> the crop is resized with bicubic interpolation and landmarks are scaled alike.
    /// </summary>
    public int ClipSize { get; init; } = 224;

    /// <summary>
    /// Face search within a clip: near the previous face first, in a region scaled so the face is
    /// <see cref="FaceFrontEndOptions.SearchFaceSize"/> px. Default: <see cref="FaceFrontEndOptions"/> defaults except
    /// SearchFaceSize 64 (instead of 96), which halves the cost of the per-frame search, the front end's largest cost
    /// after the first frame's full search (frontend benchmark: 15 -> 7 ms per 720p frame), while the Haar cascade
    /// (20 px window, <see cref="CascadeFaceDetectorOptions.MinFaceSize"/> 40) still finds the face with margin.
    /// </summary>
    public FaceFrontEndOptions FrontEnd { get; init; } = new() { SearchFaceSize = 64 };

    /// <summary>
    /// Longer image side of a quick first look for the face in a clip's first frame. Default 320: the detector first
    /// runs on the frame shrunk to 320 px and the face found there is refined by the search near it (at
    /// <see cref="FaceFrontEndOptions.SearchFaceSize"/>); only when nothing is found does the full search at the
    /// detector's own size (640 px by default) run. The first frame's full search is the front end's largest single
    /// cost (frontend benchmark: about half the time of an 8-frame 720p clip), and faces of deepfake datasets are
    /// large enough to be seen at 320 px (at least 40 px there, i.e. 160 px in a 1280-px frame; smaller faces cost one
    /// extra quick look). 0 = always the full search (the plain <see cref="FaceFrontEnd.ProcessClip"/>).
    /// </summary>
    public int FirstFrameSearchSide { get; init; } = 320;

    /// <summary>What to do with a clip without any detected face. Default <see cref="FacelessClipHandling.Reject"/>.</summary>
    public FacelessClipHandling FacelessClips { get; init; } = FacelessClipHandling.Reject;

    /// <summary>Frames per clip (T), from <see cref="Sampling"/>.</summary>
    public int FramesPerClip => Sampling.FramesPerClip;

    /// <summary>Floats in one clip: T x 3 x ClipSize x ClipSize.</summary>
    public int ClipLength => FramesPerClip * 3 * ClipSize * ClipSize;

    /// <summary>Floats in one clip's landmarks: T x 68 x 2.</summary>
    public int LandmarksLength => FramesPerClip * LandmarkCount * 2;

    /// <summary>Throws <see cref="ArgumentException"/> for an unusable setting (model files are checked when the front end is built).</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Sampling, nameof(Sampling));
        Sampling.Validate();
        if (!Enum.IsDefined(Detector))
            throw new ArgumentOutOfRangeException(nameof(Detector), Detector, "Unknown face detector.");
        ArgumentNullException.ThrowIfNull(Cascade, nameof(Cascade));
        if (Detector == FaceDetectorKind.YuNet && YuNet is null)
            throw new ArgumentException("FaceDetectorKind.YuNet needs YuNet options with the ONNX model path.", nameof(YuNet));
        ArgumentException.ThrowIfNullOrWhiteSpace(ShapePredictorPath, nameof(ShapePredictorPath));
        ArgumentOutOfRangeException.ThrowIfLessThan(AlignmentSize, 16, nameof(AlignmentSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(ClipSize, 16, nameof(ClipSize));
        if (!(AlignmentScale >= 1) || !double.IsFinite(AlignmentScale))
            throw new ArgumentOutOfRangeException(nameof(AlignmentScale), AlignmentScale, "AlignmentScale must be finite and >= 1.");
        if (!Enum.IsDefined(AlignmentPrecision))
            throw new ArgumentOutOfRangeException(nameof(AlignmentPrecision), AlignmentPrecision, "Unknown precision.");
        ArgumentOutOfRangeException.ThrowIfNegative(FirstFrameSearchSide, nameof(FirstFrameSearchSide));
        if (!Enum.IsDefined(FacelessClips))
            throw new ArgumentOutOfRangeException(nameof(FacelessClips), FacelessClips, "Unknown face-less clip handling.");
        ArgumentNullException.ThrowIfNull(FrontEnd, nameof(FrontEnd));
        if (!(FrontEnd.SearchRegionScale >= 1))
            throw new ArgumentOutOfRangeException(nameof(FrontEnd), FrontEnd.SearchRegionScale, "FrontEnd.SearchRegionScale must be >= 1.");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(FrontEnd.SearchFaceSize, nameof(FrontEnd));
        if ((long)FramesPerClip * 3 * ClipSize * ClipSize > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(ClipSize), "A clip must have fewer than 2^31 values.");
    }
}


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

    /// <summary>
    /// Haar or LBP cascade XML of the face detector used without <see cref="YuNetModelPath"/>. Default
    /// <see cref="FaceModelPaths.HaarFrontalFaceAlt2"/> (Debian package opencv-data);
    /// <see cref="FaceModelPaths.HaarFrontalFaceDefault"/> and <see cref="FaceModelPaths.LbpFrontalFaceImproved"/> (faster,
    /// tighter boxes) also work.
    /// </summary>
    public string CascadeModelPath { get; init; } = FaceModelPaths.HaarFrontalFaceAlt2;

    /// <summary>Cascade pyramid step. Default 1.1 (OpenCV's default).</summary>
    public double CascadeScaleFactor { get; init; } = 1.1;

    /// <summary>
    /// Neighbouring raw cascade detections a face needs. Default 5 (OpenCV's default of 3 lets textured clothing and
    /// patches through more often).
    /// </summary>
    public int CascadeMinNeighbors { get; init; } = 5;

    /// <summary>
    /// Smallest face side in pixels the cascade looks for, in the frame as the detector sees it. Default 40. Smaller
    /// faces make blurry crops, and every halving of this limit adds pyramid levels that dominate the detection time.
    /// </summary>
    public int CascadeMinFaceSize { get; init; } = 40;

    /// <summary>Equalise the grey histogram before cascade detection (helps dark frames). Default false.</summary>
    public bool CascadeEqualizeHistogram { get; init; }

    /// <summary>
    /// The YuNet ONNX file (OpenCV Zoo <c>face_detection_yunet_2023mar.onnx</c> or similar). When set, YuNet is the face
    /// detector instead of the cascade (no Debian package ships the file and nothing is downloaded). Default null: the
    /// cascade.
    /// </summary>
    public string? YuNetModelPath { get; init; }

    /// <summary>Minimum YuNet face score kept. Default 0.9 (OpenCV's sample default).</summary>
    public float YuNetScoreThreshold { get; init; } = 0.9f;

    /// <summary>YuNet non-maximum suppression IoU threshold. Default 0.3.</summary>
    public float YuNetNmsThreshold { get; init; } = 0.3f;

    /// <summary>YuNet candidates kept before non-maximum suppression. Default 5000.</summary>
    public int YuNetTopK { get; init; } = 5000;

    /// <summary>
    /// Longer image side the face detector runs at (either kind); larger frames are shrunk first and the boxes mapped
    /// back. Default 640; 0 = full resolution.
    /// </summary>
    public int DetectorMaxImageSide { get; init; } = 640;

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
    /// In a clip, look for the face first in a region around the last face kept (default true). The region is shrunk so
    /// that the face appears about <see cref="SearchFaceSize"/> pixels tall, which makes detection several times cheaper
    /// than scanning the whole frame and keeps the track on the same person. When nothing is found there, the whole frame
    /// is searched.
    /// </summary>
    public bool SearchNearPreviousFace { get; init; } = true;

    /// <summary>Side of the search region relative to the last face's box. Default 3: one face size of margin per side.</summary>
    public double SearchRegionScale { get; init; } = 3.0;

    /// <summary>
    /// Face size in pixels the search region is scaled to (regions are never enlarged). Default 64: half the cost of a
    /// search at 96 px, the front end's largest cost after the first frame's full search (docs/performance.md), while the
    /// Haar cascade (20 px window, <see cref="CascadeMinFaceSize"/> 40) still finds the face with margin.
    /// </summary>
    public int SearchFaceSize { get; init; } = 64;

    /// <summary>
    /// Longer image side of a quick first look for the face in a clip's first frame. Default 320: the detector first
    /// runs on the frame shrunk to 320 px and the face found there is refined by the search near it (at
    /// <see cref="SearchFaceSize"/>); only when nothing is found does the full search at the
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

    /// <summary>The face detector in use: YuNet when <see cref="YuNetModelPath"/> is set, else the cascade.</summary>
    internal FaceDetectorKind Detector => YuNetModelPath is null ? FaceDetectorKind.Cascade : FaceDetectorKind.YuNet;

    /// <summary>The cascade detector's settings.</summary>
    internal CascadeFaceDetectorOptions Cascade => new()
    {
        ModelPath = CascadeModelPath, ScaleFactor = CascadeScaleFactor, MinNeighbors = CascadeMinNeighbors,
        MinFaceSize = CascadeMinFaceSize, MaxImageSide = DetectorMaxImageSide, EqualizeHistogram = CascadeEqualizeHistogram,
    };

    /// <summary>The YuNet detector's settings, or null without <see cref="YuNetModelPath"/>.</summary>
    internal YuNetFaceDetectorOptions? YuNet => YuNetModelPath is null ? null : new()
    {
        ModelPath = YuNetModelPath, ScoreThreshold = YuNetScoreThreshold, NmsThreshold = YuNetNmsThreshold,
        TopK = YuNetTopK, MaxImageSide = DetectorMaxImageSide,
    };

    /// <summary>The per-clip face search settings.</summary>
    internal FaceFrontEndOptions FaceSearch => new()
    {
        SearchNearPreviousFace = SearchNearPreviousFace, SearchRegionScale = SearchRegionScale, SearchFaceSize = SearchFaceSize,
    };

    /// <summary>Throws <see cref="ArgumentException"/> for an unusable setting (model files are checked when the front end is built).</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Sampling, nameof(Sampling));
        Sampling.Validate();
        ArgumentException.ThrowIfNullOrWhiteSpace(CascadeModelPath, nameof(CascadeModelPath));
        if (!(CascadeScaleFactor > 1) || !double.IsFinite(CascadeScaleFactor))
            throw new ArgumentOutOfRangeException(nameof(CascadeScaleFactor), CascadeScaleFactor, "CascadeScaleFactor must be finite and > 1.");
        ArgumentOutOfRangeException.ThrowIfNegative(CascadeMinNeighbors, nameof(CascadeMinNeighbors));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(CascadeMinFaceSize, nameof(CascadeMinFaceSize));
        if (YuNetModelPath is not null && string.IsNullOrWhiteSpace(YuNetModelPath))
            throw new ArgumentException("YuNetModelPath must be the path of the YuNet ONNX file, or null for the cascade.", nameof(YuNetModelPath));
        if (!(YuNetScoreThreshold is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(YuNetScoreThreshold), YuNetScoreThreshold, "YuNetScoreThreshold must be in [0, 1].");
        if (!(YuNetNmsThreshold is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(YuNetNmsThreshold), YuNetNmsThreshold, "YuNetNmsThreshold must be in [0, 1].");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(YuNetTopK, nameof(YuNetTopK));
        ArgumentOutOfRangeException.ThrowIfNegative(DetectorMaxImageSide, nameof(DetectorMaxImageSide));
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
        if (!(SearchRegionScale >= 1) || !double.IsFinite(SearchRegionScale))
            throw new ArgumentOutOfRangeException(nameof(SearchRegionScale), SearchRegionScale, "SearchRegionScale must be finite and >= 1.");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(SearchFaceSize, nameof(SearchFaceSize));
        if ((long)FramesPerClip * 3 * ClipSize * ClipSize > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(ClipSize), "A clip must have fewer than 2^31 values.");
    }
}

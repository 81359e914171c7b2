using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>
/// The front-end steps a <see cref="StaVideoScorer"/> worker runs on one video, one call per step so that a failure can
/// be named by its step. One instance per worker thread. Tests wrap it to inject faults.
/// </summary>
internal interface IScoringFrontEnd : IDisposable
{
    /// <summary>Loads what every video needs (the face models); a failure here is the run's, not a video's.</summary>
    void Prepare();

    /// <summary>Opens the video and reads its frame count, rate and size.</summary>
    VideoInfo Open(string path);

    /// <summary>The video's clips under the sampling options (the video is open).</summary>
    ClipPlan Plan(string path);

    /// <summary>The clip's frames as RGB Mats, all or none; the caller disposes them.</summary>
    Mat[] Decode(string path, IReadOnlyList<int> frameIndices);

    /// <summary>Faces, alignment and normalisation of decoded frames into the caller's buffers.</summary>
    FaceClipInfo Process(IReadOnlyList<Mat> frames, string path, int clipIndex, int clipCount, int firstFrame, Span<float> clip,
        Span<float> landmarks, CancellationToken cancellationToken);

    /// <summary>Releases the open video (its capture and frame buffers).</summary>
    void Close();
}

/// <summary>The scorer's front end: a <see cref="FaceClipExtractor"/> of its own.</summary>
internal sealed class ExtractorFrontEnd(FaceClipOptions options) : IScoringFrontEnd
{
    private readonly FaceClipExtractor _extractor = new(options);

    public void Prepare() => _ = _extractor.FrontEnd;

    public VideoInfo Open(string path) => _extractor.ReadInfo(path);

    public ClipPlan Plan(string path) => _extractor.PlanVideo(path);

    public Mat[] Decode(string path, IReadOnlyList<int> frameIndices) => _extractor.DecodeClip(path, frameIndices);

    public FaceClipInfo Process(IReadOnlyList<Mat> frames, string path, int clipIndex, int clipCount, int firstFrame, Span<float> clip,
        Span<float> landmarks, CancellationToken cancellationToken) =>
        _extractor.ProcessFrames(frames, path, clipIndex, clipCount, firstFrame, clip, landmarks, cancellationToken);

    public void Close() => _extractor.CloseVideo();

    public void Dispose() => _extractor.Dispose();
}

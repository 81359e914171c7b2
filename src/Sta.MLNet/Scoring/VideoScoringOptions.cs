
namespace Sta.MLNet;

/// <summary>Settings of <see cref="StaVideoScorer"/>.</summary>
public sealed record VideoScoringOptions
{
    /// <summary>Sampling, detector, alignment and no-face rule. Default <see cref="FaceClipOptions"/> defaults (DeepfakeBench test sampling, 224 px).</summary>
    public FaceClipOptions FrontEnd { get; init; } = new();

    /// <summary>Clips per network call. Default 4.</summary>
    public int BatchSize { get; init; } = 4;

    /// <summary>
    /// Videos decoded and face-aligned at the same time, each on its own thread with its own detector, while the network
    /// scores earlier clips. Default 1 (the network uses the other cores); raise it when the front end is the bottleneck.
    /// With several workers, also turn off OpenCV's own thread pool (<c>OpenCvSharp.Cv2.SetNumThreads(1)</c>, a
    /// process-wide setting left to the application), so that the workers' OpenCV calls do not compete for it.
    /// </summary>
    public int FrontEndWorkers { get; init; } = 1;

    /// <summary>Clips waiting between the front end and the network at most (bounds memory: about 4.8 MB each). Default 8.</summary>
    public int QueueCapacity { get; init; } = 8;

    /// <summary>File extensions taken as videos when scoring a folder, case-insensitive. Default: common FFmpeg-readable containers.</summary>
    public IReadOnlyCollection<string> Extensions { get; init; } =
        [".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv"];

    /// <summary>Whether a folder's sub-folders are searched. Default true.</summary>
    public bool Recursive { get; init; } = true;

    /// <summary>Receives a report after every finished video. Default null.</summary>
    public IProgress<VideoScoringProgress>? Progress { get; init; }

    /// <summary>
    /// Called after every clip the network scored, with the clip exactly as the network saw it (CLIP-normalised
    /// [T, 3, S, S]; the span is only valid during the call), e.g. to keep the aligned faces or explain the clip later.
    /// Runs on the scorer's network thread, so it should be quick; an exception thrown by it ends the run, like one
    /// thrown by <see cref="Progress"/>. Default null.
    /// </summary>
    internal ClipScoredHandler? ClipScored { get; init; }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(FrontEnd, nameof(FrontEnd));
        FrontEnd.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(FrontEndWorkers, 1, nameof(FrontEndWorkers));
        ArgumentOutOfRangeException.ThrowIfLessThan(QueueCapacity, 1, nameof(QueueCapacity));
        ArgumentNullException.ThrowIfNull(Extensions, nameof(Extensions));
    }
}

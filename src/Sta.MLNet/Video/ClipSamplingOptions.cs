namespace Sta.MLNet;

/// <summary>
/// Parameters of clip sampling (<see cref="ClipSampler"/>). The defaults are DeepfakeBench's test protocol:
/// 32 evenly spaced frames per video, 4 clips of 8.
/// </summary>
public sealed record ClipSamplingOptions
{
    /// <summary>DeepfakeBench's test-time sampling: 32 evenly spaced frames, clips of 8 consecutive samples.</summary>
    public static ClipSamplingOptions DeepfakeBench { get; } = new();

    /// <summary>Clips of 8 truly consecutive frames spread evenly over the video, as many as fit without overlap.</summary>
    public static ClipSamplingOptions Consecutive { get; } = new() { Protocol = ClipSamplingProtocol.Consecutive };

    /// <summary>Sampling rule. Default <see cref="ClipSamplingProtocol.DeepfakeBench"/>.</summary>
    public ClipSamplingProtocol Protocol { get; init; } = ClipSamplingProtocol.DeepfakeBench;

    /// <summary>Frames per clip (the model's T). Default 8.</summary>
    public int FramesPerClip { get; init; } = 8;

    /// <summary>
    /// Distance between neighbouring frames of a clip, counted in usable frames (video frames for
    /// <see cref="ClipSamplingProtocol.Consecutive"/>, sampled frames for DeepfakeBench). Default 1. A clip spans
    /// (FramesPerClip - 1) * FrameStride + 1 usable frames.
    /// </summary>
    public int FrameStride { get; init; } = 1;

    /// <summary>
    /// Clips per video. Default null: as many as fit side by side, usable // span (DeepfakeBench and the demo).
    /// A larger number spreads overlapping clips evenly; it is capped at the number of distinct clip starts.
    /// </summary>
    public int? ClipsPerVideo { get; init; }

    /// <summary>
    /// DeepfakeBench only: frames sampled evenly per video (from a video file), or the number of leading entries
    /// kept of a longer extracted-frame list (docs/design.md, "Clip sampling"). Default 32.
    /// </summary>
    public int SampledFramesPerVideo { get; init; } = 32;

    /// <summary>
    /// Default null: clip i starts exactly at i * step (DeepfakeBench's test layout). When set, each start is drawn
    /// once, uniformly from [i * step, min((i + 1) * step, usable - span + 1)) (one clip: from [0, usable - span + 1)),
    /// as StA's training data and demo do; the draw depends only on this seed and the video's key
    /// (see <see cref="ClipSampler.PlanVideo"/>), so a video gets the same clips in every run and in any order.
    /// </summary>
    public int? ClipStartSeed { get; init; }

    /// <summary>Outcome for videos with fewer usable frames than one clip spans. Default <see cref="ShortVideoPolicy.Reject"/>.</summary>
    public ShortVideoPolicy ShortVideo { get; init; } = ShortVideoPolicy.Reject;

    /// <summary>Usable frames one clip covers: (FramesPerClip - 1) * FrameStride + 1.</summary>
    public int ClipSpan => (FramesPerClip - 1) * FrameStride + 1;

    internal void Validate()
    {
        if (!Enum.IsDefined(Protocol))
            throw new ArgumentOutOfRangeException(nameof(Protocol), Protocol, "Unknown clip sampling protocol.");
        if (!Enum.IsDefined(ShortVideo))
            throw new ArgumentOutOfRangeException(nameof(ShortVideo), ShortVideo, "Unknown short-video policy.");
        if (FramesPerClip < 1)
            throw new ArgumentOutOfRangeException(nameof(FramesPerClip), FramesPerClip, "FramesPerClip must be >= 1.");
        if (FrameStride < 1)
            throw new ArgumentOutOfRangeException(nameof(FrameStride), FrameStride, "FrameStride must be >= 1.");
        if (ClipsPerVideo is < 1)
            throw new ArgumentOutOfRangeException(nameof(ClipsPerVideo), ClipsPerVideo, "ClipsPerVideo must be >= 1 or null.");
        if (SampledFramesPerVideo < 1)
            throw new ArgumentOutOfRangeException(nameof(SampledFramesPerVideo), SampledFramesPerVideo, "SampledFramesPerVideo must be >= 1.");
        if ((long)(FramesPerClip - 1) * FrameStride + 1 > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(FrameStride), FrameStride, "The clip span overflows.");
    }
}

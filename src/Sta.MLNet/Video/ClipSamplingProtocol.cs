namespace Sta.MLNet;

/// <summary>Named rules for choosing the frames of a video's clips. Both are deterministic.</summary>
public enum ClipSamplingProtocol
{
    /// <summary>
    /// DeepfakeBench (test mode; docs/design.md, "Clip sampling"): first sample <see cref="ClipSamplingOptions.SampledFramesPerVideo"/>
    /// (32) frames evenly over the whole video, indices = linspace(0, n - 1, 32) cast to int (distinct values; all
    /// frames when n &lt;= 32); clips are then runs of consecutive <i>sampled</i> frames, so neighbours in a clip are
    /// about n/31 video frames apart. With 32 samples and 8 frames per clip: 4 disjoint clips starting at sampled
    /// positions 0, 8, 16, 24.
    /// </summary>
    DeepfakeBench,

    /// <summary>
    /// Truly consecutive video frames, clips spread evenly over the whole video: the official StA demo's layout
    /// (num_clips = n // 8, step = (n - 8) // (num_clips - 1)) with the clip start fixed at i * step instead of its
    /// random draw inside [i * step, (i + 1) * step).
    /// </summary>
    Consecutive,
}

namespace Sta.MLNet;

/// <summary>How a <see cref="VideoReader"/> reaches the frames it is asked for.</summary>
internal sealed record VideoReaderOptions
{
    /// <summary>
    /// When the next requested frame lies at most this many frames after the current position, the reader decodes
    /// forward and discards the frames in between instead of seeking; a seek restarts decoding at the previous
    /// keyframe, which costs more than a short forward run. Default 48. 0 = seek for every jump.
    /// </summary>
    public int MaxForwardDecodeGap { get; init; } = 48;

    /// <summary>
    /// Whether the reader may seek at all. Default true. Every seek is verified (the decoded frame must carry the
    /// requested frame's timestamp); a seek that fails the check makes the reader restart from the first frame and
    /// decode forward, and stop seeking in that file. False = always decode forward, reopening the file for backward
    /// jumps.
    /// </summary>
    public bool AllowSeeking { get; init; } = true;
}

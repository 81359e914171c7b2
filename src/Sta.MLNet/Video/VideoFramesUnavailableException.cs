namespace Sta.MLNet;

/// <summary>
/// Some requested frames of an opened video could not be decoded, typically because the file is truncated: its
/// last packets, or frames referring to data past the cut, no longer decode. The reader never substitutes another frame (the last good
/// one, a black one) for a missing one; instead this exception says exactly which requested frames were delivered.
/// </summary>
internal sealed class VideoFramesUnavailableException : VideoDecodeException
{
    public VideoFramesUnavailableException(
        string path, int firstMissingFrame, int frameCount,
        IReadOnlyList<int> obtainedFrameIndices, IReadOnlyList<int> missingFrameIndices)
        : base(path, VideoDecodeFailure.FramesUnavailable,
            $"Frame {firstMissingFrame} of {frameCount} could not be decoded (truncated or corrupt file); " +
            $"obtained {obtainedFrameIndices.Count} of the requested frames " +
            $"[{Summarise(obtainedFrameIndices)}], missing [{Summarise(missingFrameIndices)}]")
    {
        FirstMissingFrame = firstMissingFrame;
        FrameCount = frameCount;
        ObtainedFrameIndices = obtainedFrameIndices;
        MissingFrameIndices = missingFrameIndices;
    }

    /// <summary>The frame index whose decoding failed.</summary>
    public int FirstMissingFrame { get; }

    /// <summary>The video's frame count (<see cref="VideoInfo.FrameCount"/>).</summary>
    public int FrameCount { get; }

    /// <summary>Requested frame indices that were decoded and delivered before the failure, in request order.</summary>
    public IReadOnlyList<int> ObtainedFrameIndices { get; }

    /// <summary>Requested frame indices not delivered: the failing one and every request after it, in request order.</summary>
    public IReadOnlyList<int> MissingFrameIndices { get; }

    private static string Summarise(IReadOnlyList<int> indices) =>
        indices.Count <= 40 ? string.Join(", ", indices) : string.Join(", ", indices.Take(40)) + $", ... ({indices.Count} in all)";
}

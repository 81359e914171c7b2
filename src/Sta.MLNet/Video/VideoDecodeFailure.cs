namespace Sta.MLNet;

/// <summary>Why a video could not be used; carried by <see cref="VideoDecodeException.Failure"/>.</summary>
public enum VideoDecodeFailure
{
    /// <summary>No file exists at the path.</summary>
    FileNotFound,

    /// <summary>The file exists but has zero bytes.</summary>
    EmptyFile,

    /// <summary>
    /// FFmpeg cannot open the file as a video: not a video container, a corrupt header, or a file truncated before
    /// its index (an MP4 cut before its <c>moov</c> box looks exactly like a non-video file).
    /// </summary>
    CannotOpen,

    /// <summary>The container opens but holds no frame.</summary>
    NoFrames,

    /// <summary>
    /// The container opens and announces frames, but not even the first one decodes: OpenCV's FFmpeg build has no
    /// decoder for the codec (e.g. AV1), or the stream is corrupt from its start.
    /// </summary>
    UnsupportedCodec,

    /// <summary>Some requested frames could not be decoded (typically a truncated file); see <see cref="VideoFramesUnavailableException"/>.</summary>
    FramesUnavailable,
}

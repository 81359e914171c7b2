namespace Sta.MLNet;

/// <summary>A video file could not be opened or decoded. <see cref="Path"/> names the file, <see cref="Failure"/> says why.</summary>
public class VideoDecodeException : StaException
{
    /// <param name="path">The video file, as given to the reader.</param>
    /// <param name="failure">Why it could not be read.</param>
    /// <param name="message">Details (the file is appended to the message).</param>
    /// <param name="innerException">The underlying error (OpenCV's, FFmpeg's, the file system's), if any.</param>
    public VideoDecodeException(string path, VideoDecodeFailure failure, string message, Exception? innerException = null)
        : base($"{message} (video: {path})", innerException)
    {
        Path = path;
        Failure = failure;
    }

    /// <summary>The video file, as given to the reader.</summary>
    public string Path { get; }

    /// <summary>Why the video could not be read.</summary>
    public VideoDecodeFailure Failure { get; }
}

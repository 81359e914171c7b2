namespace Sta.MLNet;

/// <summary>A video file could not be opened or decoded. <see cref="Path"/> names the file, <see cref="Failure"/> says why.</summary>
public class VideoDecodeException : StaException
{
    public VideoDecodeException(string path, VideoDecodeFailure failure, string message, Exception? innerException = null)
        : base($"{message} (video: {path})", innerException)
    {
        Path = path;
        Failure = failure;
    }

    /// <summary>The video file, as given to the reader.</summary>
    public string Path { get; }

    public VideoDecodeFailure Failure { get; }
}

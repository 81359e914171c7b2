namespace Sta.MLNet;

/// <summary>
/// A video has fewer usable frames than one clip needs and the sampling options ask to reject such videos
/// (<see cref="ShortVideoPolicy.Reject"/>).
/// </summary>
public sealed class VideoTooShortException : StaException
{
    public VideoTooShortException(string path, int frameCount, int requiredFrameCount)
        : base($"The video has {frameCount} usable frame(s) but one clip needs {requiredFrameCount} (video: {path})")
    {
        Path = path;
        FrameCount = frameCount;
        RequiredFrameCount = requiredFrameCount;
    }

    public string Path { get; }

    public int FrameCount { get; }

    public int RequiredFrameCount { get; }
}

namespace Sta.MLNet;

/// <summary>
/// A video has fewer usable frames than one clip needs and the sampling options ask to reject such videos
/// (<see cref="ShortVideoPolicy.Reject"/>).
/// </summary>
public sealed class VideoTooShortException : StaException
{
    /// <param name="path">The video file.</param>
    /// <param name="frameCount">Its usable frames.</param>
    /// <param name="requiredFrameCount">The frames one clip needs.</param>
    public VideoTooShortException(string path, int frameCount, int requiredFrameCount)
        : base($"The video has {frameCount} usable frame(s) but one clip needs {requiredFrameCount} (video: {path})")
    {
        Path = path;
        FrameCount = frameCount;
        RequiredFrameCount = requiredFrameCount;
    }

    /// <summary>The video file.</summary>
    public string Path { get; }

    /// <summary>The video's usable frames.</summary>
    public int FrameCount { get; }

    /// <summary>The frames one clip needs under the sampling options.</summary>
    public int RequiredFrameCount { get; }
}

namespace Sta.MLNet.Video;

/// <summary>What a video file announces about itself, checked by decoding its first frame.</summary>
/// <param name="Path">The video file.</param>
/// <param name="FrameCount">
/// Number of frames. From the container index when it has one (MP4/MOV/MKV/AVI written by FFmpeg: exact);
/// otherwise counted by decoding the whole video once (<paramref name="FrameCountWasDecoded"/> = true). A truncated
/// file still announces its original count; frames past the cut fail with <see cref="VideoFramesUnavailableException"/>,
/// and <see cref="VideoReader.CountDecodableFrames"/> gives the number that really decode.
/// </param>
/// <param name="FramesPerSecond">Average frame rate the container reports (frames per second; for variable-rate video an average).</param>
/// <param name="Width">Frame width in pixels, taken from the first decoded frame.</param>
/// <param name="Height">Frame height in pixels, taken from the first decoded frame.</param>
/// <param name="Codec">The codec's four-character code as FFmpeg reports it (e.g. <c>h264</c>, <c>FMP4</c>, <c>MJPG</c>).</param>
/// <param name="FrameCountWasDecoded">True when the container gave no frame count and it was counted by decoding.</param>
public sealed record VideoInfo(
    string Path, int FrameCount, double FramesPerSecond, int Width, int Height, string Codec, bool FrameCountWasDecoded)
{
    /// <summary>Duration implied by <see cref="FrameCount"/> and <see cref="FramesPerSecond"/>; zero when the rate is unknown.</summary>
    public TimeSpan Duration => FramesPerSecond > 0 ? TimeSpan.FromSeconds(FrameCount / FramesPerSecond) : TimeSpan.Zero;
}

namespace Sta.MLNet;

/// <summary>What a video file holds, found by demuxing it once and decoding its first frame.</summary>
/// <param name="Path">The video file.</param>
/// <param name="FrameCount">
/// Number of frames: the video packets found by demuxing the whole file (no decoding), which is exact for complete
/// files even where the container's own count is an estimate (MKV/WebM: duration x rate; measured: a variable-rate
/// MKV announced 59 frames and held 51). Falls back to <paramref name="AnnouncedFrameCount"/> (or a count by decoding)
/// where demuxing is unavailable. A truncated file may hold packets that no longer decode; reading those frames fails
/// with <see cref="VideoFramesUnavailableException"/>, and <see cref="VideoReader.CountDecodableFrames"/> gives the
/// number that really decode.
/// </param>
/// <param name="AnnouncedFrameCount">The container's frame count (its index, or an estimate from duration); 0 when it gives none.</param>
/// <param name="FramesPerSecond">Average frame rate the container reports (frames per second).</param>
/// <param name="Width">Frame width in pixels, taken from the first decoded frame.</param>
/// <param name="Height">Frame height in pixels, taken from the first decoded frame.</param>
/// <param name="Codec">The codec's four-character code as FFmpeg reports it (e.g. <c>h264</c>, <c>FMP4</c>, <c>MJPG</c>).</param>
/// <param name="IsVariableFrameRate">
/// True when the frames' timestamps are not evenly spaced at <paramref name="FramesPerSecond"/>; null when unknown.
/// Frame indices always count decoded frames, so index / rate is then only an approximate time.
/// </param>
public sealed record VideoInfo(
    string Path, int FrameCount, int AnnouncedFrameCount, double FramesPerSecond, int Width, int Height, string Codec,
    bool? IsVariableFrameRate)
{
    /// <summary>Duration implied by <see cref="FrameCount"/> and <see cref="FramesPerSecond"/>; zero when the rate is unknown.</summary>
    public TimeSpan Duration => FramesPerSecond > 0 ? TimeSpan.FromSeconds(FrameCount / FramesPerSecond) : TimeSpan.Zero;
}

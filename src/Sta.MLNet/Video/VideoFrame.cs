using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>
/// One decoded frame. <see cref="Image"/> is an 8-bit, 3-channel <b>RGB</b> <see cref="Mat"/> (OpenCV decodes to
/// BGR; the reader swaps the channels so that every consumer downstream sees the model's RGB order). The frame owns
/// the Mat: dispose the frame when done with it.
/// </summary>
internal sealed class VideoFrame : IDisposable
{
    public VideoFrame(int index, TimeSpan timestamp, Mat image)
    {
        Index = index;
        Timestamp = timestamp;
        Image = image;
    }

    /// <summary>0-based index of the frame in decoding (presentation) order.</summary>
    public int Index { get; }

    /// <summary>
    /// Presentation time from the first frame, from the stream's timestamps (right for variable-rate video too);
    /// index / average rate where the file has no usable timestamps.
    /// </summary>
    public TimeSpan Timestamp { get; }

    /// <summary>The frame, CV_8UC3, RGB channel order, the video's own size.</summary>
    public Mat Image { get; }

    public void Dispose() => Image.Dispose();
}

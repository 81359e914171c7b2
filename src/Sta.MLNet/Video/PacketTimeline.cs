using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>
/// The presentation timestamps of every video packet of a file, read by demuxing only (OpenCV's raw-stream mode,
/// <c>CAP_PROP_FORMAT = -1</c>: packets are not decoded, so a scan costs about a file read). Sorted, entry i is the
/// timestamp of frame i in decoding (presentation) order. The reader uses it for the frame count and to verify that a
/// seek delivered exactly the requested frame: every frame has its own timestamp, so the timestamp of the decoded
/// frame identifies it, variable frame rate included.
/// </summary>
internal sealed class PacketTimeline
{
    private PacketTimeline(double[] presentationTimesMs)
    {
        PresentationTimesMs = presentationTimesMs;
        var smallestGap = double.PositiveInfinity;
        for (var i = 1; i < presentationTimesMs.Length; i++)
            smallestGap = Math.Min(smallestGap, presentationTimesMs[i] - presentationTimesMs[i - 1]);
        TimestampsAreDistinct = smallestGap > 0;
        // A quarter of the closest spacing: tells neighbouring frames apart while absorbing double rounding.
        MatchTolerance = TimestampsAreDistinct && double.IsFinite(smallestGap) ? smallestGap / 4 : 0;
    }

    /// <summary>Milliseconds from the stream start, ascending.</summary>
    public double[] PresentationTimesMs { get; }

    public int FrameCount => PresentationTimesMs.Length;

    /// <summary>False when two packets share a timestamp or packets carry none: then timestamps cannot identify frames.</summary>
    public bool TimestampsAreDistinct { get; }

    public double MatchTolerance { get; }

    /// <summary>Demuxes the whole file; null when the backend has no raw-stream mode for it.</summary>
    public static PacketTimeline? Scan(string path)
    {
        using var capture = new VideoCapture(path, VideoCaptureAPIs.FFMPEG);
        if (!capture.IsOpened() || !capture.Set(VideoCaptureProperties.Format, -1))
            return null;
        var times = new List<double>();
        while (capture.Grab())
            times.Add(capture.Get(VideoCaptureProperties.PosMsec));
        times.Sort();
        return new PacketTimeline([.. times]);
    }

    /// <summary>Whether <paramref name="timeMs"/> is the timestamp of frame <paramref name="index"/>.</summary>
    public bool IsTimeOf(int index, double timeMs) =>
        TimestampsAreDistinct && (uint)index < (uint)FrameCount && Math.Abs(PresentationTimesMs[index] - timeMs) <= MatchTolerance;

    /// <summary>
    /// Whether frames are spaced evenly at <paramref name="framesPerSecond"/> (each within a quarter frame of
    /// first + i / fps); null when there are too few frames or no rate to tell.
    /// </summary>
    public bool? IsConstantRate(double framesPerSecond)
    {
        if (FrameCount < 2 || !(framesPerSecond > 0) || !TimestampsAreDistinct)
            return null;
        var frameMs = 1000 / framesPerSecond;
        var first = PresentationTimesMs[0];
        for (var i = 1; i < FrameCount; i++)
            if (Math.Abs(PresentationTimesMs[i] - first - i * frameMs) > frameMs / 4)
                return false;
        return true;
    }
}

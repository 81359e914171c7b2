using OpenCvSharp;
using Sta.MLNet;

namespace Sta.MLNet.Tests.Video;

public sealed class VideoReaderTests
{
    public static TheoryData<string> StampedVideos => new() { "h264", "h264-open-gop", "h264-audio", "mp4v", "mjpg" };

    public static TheoryData<string> AllSeekableVideos => new() { "h264", "h264-open-gop", "h264-vfr", "h264-audio", "mp4v", "mjpg", "face-motion" };

    private static string VideoNamed(string name) => name switch
    {
        "h264" => TestVideos.StampedH264,
        "h264-open-gop" => TestVideos.StampedH264OpenGop,
        "h264-audio" => TestVideos.StampedH264WithAudio,
        "h264-vfr" => TestVideos.StampedH264VariableRate,
        "mkv-vfr" => TestVideos.StampedMkvVariableRate,
        "mp4v" => TestVideos.StampedMp4v,
        "mjpg" => TestVideos.StampedMjpg,
        "face-motion" => TestVideos.FaceMotionH264,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Fact]
    public void Info_reports_count_rate_size_and_codec_from_the_container()
    {
        using var reader = VideoReader.Open(TestVideos.StampedH264);
        var info = reader.Info;
        Assert.Equal(TestVideos.StampedH264, info.Path);
        Assert.Equal(TestVideos.StampedFrameCount, info.FrameCount);
        Assert.Equal(TestVideos.FramesPerSecond, info.FramesPerSecond, 6);
        Assert.Equal(TestVideos.Width, info.Width);
        Assert.Equal(TestVideos.Height, info.Height);
        Assert.Equal("h264", info.Codec);
        Assert.Equal(TestVideos.StampedFrameCount, info.AnnouncedFrameCount);
        Assert.False(info.IsVariableFrameRate);
        Assert.Equal(TimeSpan.FromSeconds(2.4), info.Duration);
    }

    [Theory]
    [MemberData(nameof(StampedVideos))]
    public void Sequential_reading_returns_every_frame_in_order_and_counts_match(string video)
    {
        var path = VideoNamed(video);
        using var reader = VideoReader.Open(path);
        Assert.Equal(TestVideos.StampedFrameCount, reader.Info.FrameCount);
        var stamps = new List<int>();
        foreach (var frame in reader.ReadFrames(Enumerable.Range(0, reader.Info.FrameCount)))
        {
            using (frame)
            {
                Assert.Equal(stamps.Count, frame.Index);
                Assert.Equal(frame.Index / TestVideos.FramesPerSecond, frame.Timestamp.TotalSeconds, 6);
                stamps.Add(TestVideos.ReadStamp(frame.Image));
            }
        }
        Assert.Equal(Enumerable.Range(0, TestVideos.StampedFrameCount), stamps);
        Assert.Equal(TestVideos.StampedFrameCount, reader.DecodedFrameCount);
        Assert.Equal(0, reader.SeekCount);
        Assert.Equal(TestVideos.StampedFrameCount, reader.CountDecodableFrames());
    }

    [Theory]
    [MemberData(nameof(StampedVideos))]
    public void Frames_come_out_in_RGB_order(string video)
    {
        using var reader = VideoReader.Open(VideoNamed(video));
        using var frame = reader.ReadFrame(7);
        Assert.Equal(MatType.CV_8UC3, frame.Image.Type());
        Assert.Equal(new Size(TestVideos.Width, TestVideos.Height), frame.Image.Size());
        var red = TestVideos.RedBlockMean(frame.Image);
        Assert.True(red.Val0 > 200 && red.Val1 < 60 && red.Val2 < 60, $"red block decoded as ({red.Val0}, {red.Val1}, {red.Val2})");
    }

    /// <summary>
    /// The measurement the reader's design rests on: every frame reached by seeking (forward gap 0, so every jump
    /// seeks) in shuffled order is bit-identical to the frame of the same index in sequential decoding, and no seek
    /// fails the reader's position check.
    /// </summary>
    [Theory]
    [MemberData(nameof(AllSeekableVideos))]
    public void Seeking_in_random_order_gives_the_bit_identical_frame_of_sequential_decoding(string video)
    {
        var path = VideoNamed(video);
        var sequential = DecodeAll(path);
        var order = Enumerable.Range(0, sequential.Count).ToArray();
        new Random(1024).Shuffle(order);

        using var reader = VideoReader.Open(path, new VideoReaderOptions { MaxForwardDecodeGap = 0 });
        Assert.Equal(sequential.Count, reader.Info.FrameCount);
        foreach (var frame in reader.ReadFrames(order))
        {
            using (frame)
            {
                var expected = sequential[frame.Index];
                Assert.True(BitIdentical(expected, frame.Image), $"{video}: frame {frame.Index} reached by seeking differs from sequential decoding");
            }
        }
        Assert.True(reader.SeekCount > order.Length / 2, $"only {reader.SeekCount} seeks for {order.Length} shuffled frames");
        Assert.Equal(0, reader.RejectedSeekCount);
        Assert.True(reader.UsesSeeking);
        foreach (var image in sequential)
            image.Dispose();
    }

    [Fact]
    public void Variable_rate_video_is_indexed_by_decoding_order_not_by_timestamps()
    {
        using var reader = VideoReader.Open(TestVideos.StampedH264VariableRate);
        var kept = Enumerable.Range(0, TestVideos.StampedFrameCount).Where(stamp => stamp % 7 != 3).ToArray();
        Assert.Equal(kept.Length, reader.Info.FrameCount);
        Assert.True(reader.Info.IsVariableFrameRate);
        using var frame = reader.ReadFrame(40);
        Assert.Equal(kept[40], TestVideos.ReadStamp(frame.Image));
        // The timestamp is the frame's own (stamp / 25 s), not index / average rate.
        Assert.Equal(kept[40] / TestVideos.FramesPerSecond, frame.Timestamp.TotalSeconds, 6);
    }

    /// <summary>
    /// MKV has no frame index: OpenCV's count is duration x rate (59 here for 52 frames). The reader's count comes
    /// from demuxing and equals what decodes.
    /// </summary>
    [Fact]
    public void The_frame_count_is_exact_where_the_container_only_estimates_it()
    {
        using var reader = VideoReader.Open(TestVideos.StampedMkvVariableRate);
        var kept = Enumerable.Range(0, TestVideos.StampedFrameCount).Count(stamp => stamp % 7 != 3);
        Assert.Equal(kept, reader.Info.FrameCount);
        Assert.Equal(kept, reader.CountDecodableFrames());
        using var last = reader.ReadFrame(kept - 1);
        Assert.Equal(58, TestVideos.ReadStamp(last.Image)); // 59 % 7 == 3 was dropped
    }

    /// <summary>
    /// In the variable-rate MKV OpenCV's seek lands on another frame for 21 of 51 targets while its position property
    /// claims success; the timestamp check rejects the first such seek and the reader decodes forward from then on.
    /// </summary>
    [Fact]
    public void Seeks_that_land_on_the_wrong_frame_are_rejected_and_replaced_by_forward_decoding()
    {
        var kept = Enumerable.Range(0, TestVideos.StampedFrameCount).Where(stamp => stamp % 7 != 3).ToArray();
        using var reader = VideoReader.Open(TestVideos.StampedMkvVariableRate, new VideoReaderOptions { MaxForwardDecodeGap = 0 });
        Assert.True(reader.Info.IsVariableFrameRate);
        Assert.True(reader.UsesSeeking);
        var order = Enumerable.Range(0, kept.Length).ToArray();
        new Random(1024).Shuffle(order);
        var clip = reader.ReadClip(order);
        try
        {
            Assert.Equal(order.Select(i => kept[i]), clip.Select(TestVideos.ReadStamp));
        }
        finally
        {
            foreach (var image in clip)
                image.Dispose();
        }
        Assert.Equal(1, reader.RejectedSeekCount);
        Assert.False(reader.UsesSeeking);
    }

    /// <summary>
    /// FFmpeg muxed this file (2-second timestamp gap, B-frames) with two frames sharing one timestamp: timestamps
    /// cannot identify frames, so the reader never seeks in it (OpenCV's seek gets 37 of its 60 frames wrong).
    /// </summary>
    [Fact]
    public void Files_whose_timestamps_cannot_identify_frames_are_read_forward_only()
    {
        using var reader = VideoReader.Open(TestVideos.StampedH264TimestampGap, new VideoReaderOptions { MaxForwardDecodeGap = 0 });
        Assert.Equal(TestVideos.StampedFrameCount, reader.Info.FrameCount);
        Assert.False(reader.UsesSeeking);
        int[] request = [45, 24, 59, 31, 2, 30];
        var clip = reader.ReadClip(request);
        try
        {
            Assert.Equal(request, clip.Select(TestVideos.ReadStamp));
        }
        finally
        {
            foreach (var image in clip)
                image.Dispose();
        }
        Assert.Equal(0, reader.SeekCount);
    }

    [Fact]
    public void Repeated_and_backward_requests_return_the_right_frames_in_request_order()
    {
        int[] request = [5, 5, 3, 59, 0, 58, 58, 20];
        using var reader = VideoReader.Open(TestVideos.StampedH264);
        var clip = reader.ReadClip(request);
        try
        {
            Assert.Equal(request, clip.Select(TestVideos.ReadStamp));
            Assert.True(BitIdentical(clip[0], clip[1]));
            Assert.NotSame(clip[0], clip[1]);
        }
        finally
        {
            foreach (var image in clip)
                image.Dispose();
        }
    }

    [Fact]
    public void Forward_reading_decodes_only_up_to_the_last_requested_frame()
    {
        using var reader = VideoReader.Open(TestVideos.StampedH264, new VideoReaderOptions { MaxForwardDecodeGap = 100 });
        foreach (var frame in reader.ReadFrames([2, 9, 17]))
            frame.Dispose();
        Assert.Equal(18, reader.DecodedFrameCount);
        Assert.Equal(0, reader.SeekCount);
    }

    [Fact]
    public void Without_seeking_a_backward_jump_reopens_and_decodes_forward()
    {
        using var reader = VideoReader.Open(TestVideos.StampedH264OpenGop, new VideoReaderOptions { AllowSeeking = false });
        var clip = reader.ReadClip([50, 10, 30]);
        try
        {
            Assert.Equal([50, 10, 30], clip.Select(TestVideos.ReadStamp));
            Assert.Equal(0, reader.SeekCount);
        }
        finally
        {
            foreach (var image in clip)
                image.Dispose();
        }
    }

    [Fact]
    public void A_three_frame_video_reads_completely()
    {
        using var reader = VideoReader.Open(TestVideos.ThreeFrameH264);
        Assert.Equal(3, reader.Info.FrameCount);
        var clip = reader.ReadClip([0, 1, 2]);
        Assert.Equal([0, 1, 2], clip.Select(TestVideos.ReadStamp));
        foreach (var image in clip)
            image.Dispose();
    }

    [Fact]
    public void Indices_outside_the_video_are_rejected_before_decoding()
    {
        using var reader = VideoReader.Open(TestVideos.ThreeFrameH264);
        Assert.Throws<ArgumentOutOfRangeException>(() => reader.ReadFrames([0, 3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => reader.ReadFrames([-1]));
        Assert.Equal(1, reader.DecodedFrameCount);
    }

    [Fact]
    public void A_disposed_reader_refuses_to_decode()
    {
        var reader = VideoReader.Open(TestVideos.ThreeFrameH264);
        reader.Dispose();
        Assert.Throws<ObjectDisposedException>(() => reader.ReadFrame(0));
    }

    private static List<Mat> DecodeAll(string path)
    {
        var frames = new List<Mat>();
        using var capture = new VideoCapture(path, VideoCaptureAPIs.FFMPEG);
        while (true)
        {
            var bgr = new Mat();
            if (!capture.Read(bgr) || bgr.Empty())
            {
                bgr.Dispose();
                break;
            }
            Cv2.CvtColor(bgr, bgr, ColorConversionCodes.BGR2RGB);
            frames.Add(bgr);
        }
        return frames;
    }

    private static bool BitIdentical(Mat a, Mat b)
    {
        if (a.Size() != b.Size() || a.Type() != b.Type())
            return false;
        using var difference = new Mat();
        Cv2.Absdiff(a, b, difference);
        return Cv2.CountNonZero(difference.Reshape(1)) == 0;
    }
}

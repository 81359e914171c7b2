using Sta.MLNet;

namespace Sta.MLNet.Tests.Video;

public sealed class VideoErrorTests
{
    [Fact]
    public void A_missing_file_is_reported_with_its_path()
    {
        var path = Path.Combine(TestVideos.NewScratchFolder("missing"), "nowhere.mp4");
        var error = Assert.Throws<VideoDecodeException>(() => VideoReader.Open(path));
        Assert.Equal(VideoDecodeFailure.FileNotFound, error.Failure);
        Assert.Equal(path, error.Path);
        Assert.Contains(path, error.Message);
        Assert.IsAssignableFrom<StaException>(error);
    }

    [Theory]
    [InlineData("empty", VideoDecodeFailure.EmptyFile)]
    [InlineData("text", VideoDecodeFailure.CannotOpen)]
    [InlineData("truncated-without-index", VideoDecodeFailure.CannotOpen)]
    [InlineData("zero-frames", VideoDecodeFailure.NoFrames)]
    [InlineData("av1", VideoDecodeFailure.UnsupportedCodec)]
    public void Unusable_files_fail_to_open_with_a_typed_reason(string kind, VideoDecodeFailure failure)
    {
        var path = kind switch
        {
            "empty" => TestVideos.EmptyFile,
            "text" => TestVideos.TextFileNamedMp4,
            "truncated-without-index" => TestVideos.TruncatedWithoutIndex,
            "zero-frames" => TestVideos.ZeroFrameAvi,
            "av1" => TestVideos.Av1,
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        var error = Assert.Throws<VideoDecodeException>(() => VideoReader.Open(path));
        Assert.Equal(failure, error.Failure);
        Assert.Equal(path, error.Path);
        Assert.Contains(path, error.Message);
        Assert.Throws<VideoDecodeException>(() => VideoReader.ReadInfo(path));
    }

    [Fact]
    public void A_truncated_video_reports_exactly_which_requested_frames_were_obtained()
    {
        var path = TestVideos.TruncatedWithIndex;
        using var reader = VideoReader.Open(path);
        // The index at the front still announces 60 frames; demuxing finds the packets actually present.
        Assert.Equal(TestVideos.StampedFrameCount, reader.Info.AnnouncedFrameCount);
        Assert.InRange(reader.Info.FrameCount, 10, TestVideos.StampedFrameCount - 10);
        var decodable = reader.CountDecodableFrames();
        Assert.InRange(decodable, 5, reader.Info.FrameCount - 1);

        int[] request = [0, 2, decodable - 1, decodable, reader.Info.FrameCount - 1, 1];
        var delivered = new List<int>();
        var error = Assert.Throws<VideoFramesUnavailableException>(() =>
        {
            foreach (var frame in reader.ReadFrames(request))
            {
                using (frame)
                {
                    // Delivered frames are the real ones, never a stand-in.
                    Assert.Equal(frame.Index, TestVideos.ReadStamp(frame.Image));
                    delivered.Add(frame.Index);
                }
            }
        });
        Assert.Equal(path, error.Path);
        Assert.Equal(VideoDecodeFailure.FramesUnavailable, error.Failure);
        Assert.Equal(decodable, error.FirstMissingFrame);
        Assert.Equal(reader.Info.FrameCount, error.FrameCount);
        Assert.Equal([0, 2, decodable - 1], error.ObtainedFrameIndices);
        Assert.Equal([decodable, reader.Info.FrameCount - 1, 1], error.MissingFrameIndices);
        Assert.Equal(error.ObtainedFrameIndices, delivered);
    }

    /// <summary>
    /// Seeking to a frame whose packet exists but no longer decodes makes FFmpeg return an earlier frame; the reader
    /// must notice (timestamp check) and fail instead of handing that frame out.
    /// </summary>
    [Fact]
    public void Seeking_to_an_undecodable_frame_of_a_truncated_video_fails_instead_of_returning_another_frame()
    {
        using var reader = VideoReader.Open(TestVideos.TruncatedWithIndex, new VideoReaderOptions { MaxForwardDecodeGap = 0 });
        var last = reader.Info.FrameCount - 1;
        var error = Assert.Throws<VideoFramesUnavailableException>(() => reader.ReadFrame(last));
        Assert.Empty(error.ObtainedFrameIndices);
        Assert.Equal([last], error.MissingFrameIndices);
        Assert.Equal(1, reader.RejectedSeekCount);

        // The reader stays usable for the frames that exist.
        using var frame = reader.ReadFrame(3);
        Assert.Equal(3, TestVideos.ReadStamp(frame.Image));
    }

    [Fact]
    public void ReadClip_releases_what_it_decoded_and_reports_the_obtained_frames()
    {
        using var reader = VideoReader.Open(TestVideos.TruncatedWithIndex);
        var last = reader.Info.FrameCount - 1;
        var error = Assert.Throws<VideoFramesUnavailableException>(() => reader.ReadClip([1, 2, last]));
        Assert.Equal([1, 2], error.ObtainedFrameIndices);
        Assert.Equal([last], error.MissingFrameIndices);
    }

    [Fact]
    public void A_too_short_plan_throws_with_the_path_when_asked()
    {
        var plan = ClipSampler.PlanVideo(3);
        var error = Assert.Throws<VideoTooShortException>(() => plan.ThrowIfTooShort(TestVideos.ThreeFrameH264));
        Assert.Equal(TestVideos.ThreeFrameH264, error.Path);
        Assert.Equal(3, error.FrameCount);
        Assert.Equal(8, error.RequiredFrameCount);
    }
}

using OpenCvSharp;
using Sta.MLNet;
using Sta.MLNet.Tests.Video;

namespace Sta.MLNet.Tests.Data;

public sealed class ClipFrameLoaderTests
{
    [Fact]
    public void Video_clips_load_the_planned_frames_in_clip_order()
    {
        var videos = new[]
        {
            new LabeledVideo("real_a", 0, "real", TestVideos.StampedH264),
            new LabeledVideo("fake_b", 1, "fake", TestVideos.StampedMp4v),
        };
        var clips = ClipShuffling.Shuffle(VideoCollection.EnumerateClips(videos, ClipSamplingOptions.DeepfakeBench, _ => Assert.Fail("no issue expected")), 7);
        Assert.Equal(8, clips.Count);
        using var loader = new ClipFrameLoader();
        foreach (var clip in clips)
        {
            var frames = loader.LoadFrames(clip);
            try
            {
                Assert.Equal(clip.FrameIndices, frames.Select(TestVideos.ReadStamp));
                Assert.All(frames, frame => Assert.Equal(new Size(TestVideos.Width, TestVideos.Height), frame.Size()));
            }
            finally
            {
                foreach (var frame in frames)
                    frame.Dispose();
            }
        }
    }

    [Fact]
    public void Extracted_clips_load_224_pixel_frames_and_scaled_landmarks()
    {
        var tree = new SyntheticDeepfakeBenchTree("loader-dfb");
        int[] numbers = [0, 9, 19, 28, 38, 48, 57, 67];
        tree.AddVideo("DFD", "DFD_fake", "test", null, "DFD/fake", "01_02", numbers);
        var clip = DeepfakeBenchDataset.Load(tree.WriteJson("DFD.json")).EnumerateClips(null, _ => Assert.Fail("no issue expected")).Single();

        using var loader = new ClipFrameLoader();
        var frames = loader.LoadFrames(clip);
        Assert.Equal(numbers, frames.Select(frame => (int)frame.At<Vec3b>(5, 5).Item0));
        Assert.All(frames, frame => Assert.Equal(new Size(224, 224), frame.Size()));
        foreach (var frame in frames)
            frame.Dispose();

        var landmarks = loader.LoadLandmarks(clip);
        Assert.Equal(8, landmarks.Length);
        Assert.Equal(new Point2f((3 + 67) * 0.875f, 6 * 0.875f), landmarks[7][3]);
    }

    [Fact]
    public void Failures_surface_as_typed_errors()
    {
        using var loader = new ClipFrameLoader();
        using (var reader = VideoReader.Open(TestVideos.TruncatedWithIndex))
        {
            var last = reader.Info.FrameCount - 1;
            var truncated = new ClipDescriptor("fake_cut", 1, "fake", 0, 1, [0, last], TestVideos.TruncatedWithIndex, null, null);
            Assert.Equal([0], Assert.Throws<VideoFramesUnavailableException>(() => loader.LoadFrames(truncated)).ObtainedFrameIndices);
        }

        var missingVideo = new ClipDescriptor("fake_gone", 1, "fake", 0, 1, [0], "/nonexistent/video.mp4", null, null);
        Assert.Equal(VideoDecodeFailure.FileNotFound, Assert.Throws<VideoDecodeException>(() => loader.LoadFrames(missingVideo)).Failure);

        var folder = TestVideos.NewScratchFolder("loader-missing");
        var missingFrame = new ClipDescriptor("real_x", 0, "real", 0, 1, [0], null, [Path.Combine(folder, "0.png")], null);
        Assert.Throws<DatasetFileMissingException>(() => loader.LoadFrames(missingFrame));
        Assert.Throws<InvalidOperationException>(() => loader.LoadLandmarks(missingFrame));

        var empty = new ClipDescriptor("real_y", 0, "real", 0, 1, [0], null, null, null);
        Assert.Throws<ArgumentException>(() => loader.LoadFrames(empty));
    }
}

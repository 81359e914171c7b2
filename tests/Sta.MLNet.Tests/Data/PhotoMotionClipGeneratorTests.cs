using System.Diagnostics;
using Sta.MLNet;
using Xunit.Abstractions;

namespace Sta.MLNet.Tests.Data;

public sealed class PhotoMotionClipGeneratorTests(ITestOutputHelper output)
{
    [Fact]
    public void ClipsOfBothPhotosHaveAlignedFacesAndPlausibleLandmarks()
    {
        using var generator = new PhotoMotionClipGenerator(new PhotoMotionOptions { FaceSize = 64 });
        foreach (var photo in new[] { FacePhotos.Astronaut, FacePhotos.Messi })
        {
            var clock = Stopwatch.StartNew();
            var clip = generator.GenerateClip(new PhotoVideo(photo, "v", 7, ClipCount: 2), 1);
            output.WriteLine($"{Path.GetFileName(photo)}: {clock.ElapsedMilliseconds} ms, {clip.FramesWithoutFace} frame(s) without face");
            Assert.Equal(8, clip.Frames.FrameCount);
            Assert.Equal(64, clip.Frames.Width);
            Assert.Equal(8 * 68 * 2, clip.Landmarks.Length);
            Assert.Equal(0, clip.FramesWithoutFace);
            for (var t = 0; t < 8; t++)
            {
                // Alignment puts the nose tip (30) near the template's (0.5, 0.6) of the crop in every frame.
                float noseX = clip.Landmarks[t * 136 + 60], noseY = clip.Landmarks[t * 136 + 61];
                Assert.InRange(noseX, 0.4f * 64, 0.6f * 64);
                Assert.InRange(noseY, 0.45f * 64, 0.7f * 64);
            }
        }
        }

    [Fact]
    public void GenerationIsDeterministicAndSeedsGiveDifferentMotion()
    {
        using var generator = new PhotoMotionClipGenerator(new PhotoMotionOptions { FaceSize = 32, FrameCount = 4 });
        var video = new PhotoVideo(FacePhotos.Astronaut, "a", 3, ClipCount: 2);
        var first = generator.GenerateClip(video, 0);
        using var other = new PhotoMotionClipGenerator(new PhotoMotionOptions { FaceSize = 32, FrameCount = 4 });
        var again = other.GenerateClip(video, 0);
        Assert.Equal(first.Frames.Pixels, again.Frames.Pixels);
        Assert.Equal(first.Landmarks, again.Landmarks);
        var otherSeed = generator.GenerateClip(video with { MotionSeed = 4 }, 0);
        Assert.NotEqual(first.Frames.Pixels, otherSeed.Frames.Pixels);
        // Consecutive frames differ (motion, lighting, noise) but stay close: a steady camera, not a slide show.
        for (var t = 1; t < 4; t++)
        {
            var a = first.Frames.Frame(t - 1).ToArray();
            var b = first.Frames.Frame(t).ToArray();
            var meanDifference = a.Zip(b).Average(p => Math.Abs(p.First - p.Second));
            Assert.InRange(meanDifference, 0.1, 25);
        }
    }

    [Fact]
    public void BadInputsFailClearly()
    {
        using var generator = new PhotoMotionClipGenerator(new PhotoMotionOptions { FaceSize = 32, FrameCount = 2 });
        var missing = Assert.Throws<FileNotFoundException>(() => generator.GenerateClip(new PhotoVideo("/nonexistent/face.png", "x", 1), 0));
        Assert.Contains("/nonexistent/face.png", missing.Message);
        var faceless = Path.Combine(Path.GetTempPath(), $"sta-faceless-{Environment.ProcessId}.png");
        try
        {
            using (var grey = new OpenCvSharp.Mat(120, 160, OpenCvSharp.MatType.CV_8UC3, OpenCvSharp.Scalar.All(128)))
                OpenCvSharp.Cv2.ImWrite(faceless, grey);
            var error = Assert.Throws<InvalidDataException>(() => generator.GenerateClip(new PhotoVideo(faceless, "grey", 1), 0));
            Assert.Contains("No face", error.Message);
        }
        finally
        {
            File.Delete(faceless);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => generator.GenerateClip(new PhotoVideo(FacePhotos.Astronaut, "a", 1, ClipCount: 1), 1));
        Assert.Throws<ArgumentException>(() => new PhotoMotionClipGenerator(new PhotoMotionOptions { MaxZoom = -1 }));
    }
}

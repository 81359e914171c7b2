using OpenCvSharp;
using Sta.MLNet.Cli.Infrastructure;

namespace Sta.MLNet.Cli.Tests;

public sealed class BlendCommandTests
{
    [Fact]
    public void An_aligned_face_image_gives_a_four_row_strip()
    {
        var output = Path.Combine(TestAssets.NewFolder("blend"), "strip.png");
        var result = CliRun.Invoke("blend", TestAssets.AlignedAstronaut224, "-o", output, "--frames", "4", "--seed", "9");
        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        using var strip = Cv2.ImRead(output, ImreadModes.Color);
        Assert.Equal((4 * 224, 4 * 224), (strip.Width, strip.Height));
        // The VB row differs from the real row (the blend changed the face), and only a little (1/4 opacity).
        using var real = new Mat(strip, new Rect(224, 0, 224, 224));
        using var vb = new Mat(strip, new Rect(224, 224, 224, 224));
        using var difference = new Mat();
        Cv2.Absdiff(real, vb, difference);
        var mean = Cv2.Mean(difference);
        Assert.InRange(mean.Val0 + mean.Val1 + mean.Val2, 0.05, 30);
    }

    [Fact]
    public void A_video_gives_a_preview_video_of_one_clip()
    {
        var output = Path.Combine(TestAssets.NewFolder("blend-video"), "preview.avi");
        var result = CliRun.Invoke("blend", TestAssets.FaceVideo, "-o", output, "--size", "128", "--no-difference");
        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        using var capture = new VideoCapture(output);
        Assert.True(capture.IsOpened());
        var frames = 0;
        using var frame = new Mat();
        while (capture.Read(frame) && !frame.Empty())
        {
            Assert.Equal((128, 3 * 128), (frame.Width, frame.Height));
            frames++;
        }
        Assert.Equal(8, frames);
    }

    [Fact]
    public void An_unsupported_output_extension_is_a_usage_error()
    {
        var result = CliRun.Invoke("blend", TestAssets.AlignedAstronaut224, "-o", "preview.gif");
        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
    }
}

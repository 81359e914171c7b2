using OpenCvSharp;
using Sta.MLNet;
using Xunit.Abstractions;

namespace Sta.MLNet.Tests.Blending;

/// <summary>Preview writers. Set STA_PREVIEW_DIR to keep the written files for a visual check.</summary>
public sealed class VbPreviewTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Environment.GetEnvironmentVariable("STA_PREVIEW_DIR") is { Length: > 0 } keep
        ? keep
        : Path.Combine(Path.GetTempPath(), "sta-vb-preview-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("STA_PREVIEW_DIR") is not { Length: > 0 } && Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Strip_holds_real_vb_masks_and_difference_rows()
    {
        var (clip, landmarks) = AstronautClip.Load();
        using var blender = new VideoBlender(seed: 2024);
        var path = Path.Combine(_directory, "vb-astronaut.png");
        var vb = VbPreview.WriteStrip(path, blender, clip, landmarks, clipKey: 0);
        output.WriteLine(path);

        using var bgr = Cv2.ImRead(path, ImreadModes.Color);
        Assert.Equal(4 * clip.Height, bgr.Rows);
        Assert.Equal(8 * clip.Width, bgr.Cols);
        using var rgb = new Mat();
        Cv2.CvtColor(bgr, rgb, ColorConversionCodes.BGR2RGB);
        var pixels = new byte[rgb.Rows * rgb.Cols * 3];
        System.Runtime.InteropServices.Marshal.Copy(rgb.Data, pixels, 0, pixels.Length);
        (byte, byte, byte) At(int row, int col)
        {
            var i = (row * rgb.Cols + col) * 3;
            return (pixels[i], pixels[i + 1], pixels[i + 2]);
        }
        int overlayDiffers = 0, differencesLit = 0;
        // Column of frame 3 (no label there): rows 0 and 1 are the clips verbatim.
        for (var y = 0; y < clip.Height; y++)
        {
            for (var x = 0; x < clip.Width; x++)
            {
                var o = (y * clip.Width + x) * 3;
                var sx = 3 * clip.Width + x;
                var real = At(y, sx);
                var blended = At(clip.Height + y, sx);
                var overlay = At(2 * clip.Height + y, sx);
                var difference = At(3 * clip.Height + y, sx);
                Assert.Equal((clip.Frame(3)[o], clip.Frame(3)[o + 1], clip.Frame(3)[o + 2]), real);
                Assert.Equal((vb.Frame(3)[o], vb.Frame(3)[o + 1], vb.Frame(3)[o + 2]), blended);
                if (overlay != real) overlayDiffers++;
                if (difference.Item1 > 0) differencesLit++;
            }
        }
        Assert.InRange(overlayDiffers, 2000, 20000);
        Assert.InRange(differencesLit, 500, 20000);
    }

    [Fact]
    public void Video_has_one_frame_per_clip_frame()
    {
        var (clip, landmarks) = AstronautClip.Load(frameCount: 4);
        using var blender = new VideoBlender(seed: 1);
        var masks = new float[4 * 4 * clip.Height * clip.Width];
        var vb = blender.BlendClip(clip, landmarks, 0, masks);
        var path = Path.Combine(_directory, "vb-astronaut.avi");
        VbPreview.WriteVideo(path, clip, vb, masks, new VbPreviewOptions { IncludeDifferenceRow = false });
        using var capture = new VideoCapture(path);
        Assert.True(capture.IsOpened());
        var count = 0;
        using var frame = new Mat();
        while (capture.Read(frame) && !frame.Empty())
        {
            Assert.Equal(3 * clip.Height, frame.Rows);
            Assert.Equal(clip.Width, frame.Cols);
            count++;
        }
        Assert.Equal(4, count);
        Assert.Throws<ArgumentException>(() => VbPreview.WriteVideo(Path.Combine(_directory, "x.gif"), clip, vb, masks));
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using OpenCvSharp;
using Sta.MLNet.Tests.Video;

namespace Sta.MLNet.Tests.Clips;

/// <summary>
/// Real-face test videos for the clip front end, made at test time from the astronaut photo of the preprocess fixtures
/// (H.264 through FFmpeg, written once per test run): a moving face with frames that have no face, two faces of different
/// sizes, and no face at all. <see cref="TestVideos"/> supplies the other cases (zoom/rotation motion, truncated, text).
/// </summary>
internal static class FaceClipVideos
{
    private static readonly ConcurrentDictionary<string, Lazy<string>> Cache = new();
    private static readonly Lazy<string> Folder = new(() => TestVideos.NewScratchFolder("face-clips"));
    private static readonly Lazy<Mat> Photo = new(() => Cv2.ImRead(TestVideos.AstronautPng, ImreadModes.Color));

    /// <summary>40 frames of 320x240: the face drifts; frames 10-13 and 30 are black (no face).</summary>
    public const int GapFrameCount = 40;

    public static readonly int[] BlackFrames = [10, 11, 12, 13, 30];

    public static string WithFaceGaps => Cached("gaps.mp4", path => Encode(path, 320, 240, GapFrameCount, t =>
        BlackFrames.Contains(t) ? new Mat(240, 320, MatType.CV_8UC3, Scalar.All(0)) : MovingFace(t, 320, 240, 400)));

    /// <summary>32 frames of 640x360: a large face (about 70 px) on the left and a smaller mirrored one (about 50 px) on the right.</summary>
    public static string TwoFaces => Cached("two_faces.mp4", path => Encode(path, 640, 360, 32, t =>
    {
        var frame = new Mat(360, 640, MatType.CV_8UC3, Scalar.All(40));
        using (var large = MovingFace(t, 320, 360, 400))
        using (var left = new Mat(frame, new Rect(0, 0, 320, 360)))
            large.CopyTo(left);
        using (var small = new Mat())
        {
            Cv2.Resize(Photo.Value, small, new Size(290, 290), 0, 0, InterpolationFlags.Area);
            Cv2.Flip(small, small, FlipMode.Y);
            using var right = new Mat(frame, new Rect(340, 40, 290, 290));
            small.CopyTo(right);
        }
        return frame;
    }));

    /// <summary>24 frames of 320x240 of smooth colour gradients: no face anywhere.</summary>
    public static string NoFace => Cached("no_face.mp4", path => Encode(path, 320, 240, 24, t =>
    {
        var frame = new Mat(240, 320, MatType.CV_8UC3);
        for (var y = 0; y < 240; y++)
            for (var x = 0; x < 320; x++)
                frame.Set(y, x, new Vec3b((byte)(x * 255 / 320), (byte)(y * 255 / 240), (byte)(t * 8)));
        return frame;
    }));

    /// <summary>A video of <paramref name="frames"/> frames of the drifting face at <paramref name="width"/> x <paramref name="height"/>.</summary>
    public static string MovingFaceVideo(int width, int height, int frames) =>
        Cached($"moving_{width}x{height}_{frames}.mp4", path => Encode(path, width, height, frames, t => MovingFace(t, width, height, Math.Max(width, height) * 5 / 4)));

    /// <summary>The photo scaled to <paramref name="side"/> px, cropped to the frame with a small drift and lighting change.</summary>
    public static Mat MovingFace(int t, int width, int height, int side)
    {
        side = Math.Max(side, Math.Max(width, height) + 40);
        using var scaled = new Mat();
        Cv2.Resize(Photo.Value, scaled, new Size(side, side), 0, 0, InterpolationFlags.Area);
        var x = Math.Min(side - width, (side - width) / 2 + (int)(12 * Math.Sin(t / 5.0)) - 10);
        var y = Math.Min(side - height, Math.Max(0, (int)(10 * Math.Cos(t / 7.0)) + 10));
        using var crop = new Mat(scaled, new Rect(Math.Max(0, x), y, width, height));
        var frame = new Mat();
        crop.ConvertTo(frame, MatType.CV_8UC3, 1.0, 15 * Math.Sin(t / 6.0));
        return frame;
    }

    private static string Cached(string name, Action<string> create) =>
        Cache.GetOrAdd(name, n => new Lazy<string>(() =>
        {
            var path = Path.Combine(Folder.Value, n);
            create(path);
            return path;
        })).Value;

    private static void Encode(string path, int width, int height, int frameCount, Func<int, Mat> frame)
    {
        var arguments = $"-v error -y -f rawvideo -pix_fmt bgr24 -s {width}x{height} -r 25 -i - " +
                        $"-c:v libx264 -preset veryfast -crf 18 -bf 2 -g 12 -pix_fmt yuv420p \"{path}\"";
        var start = new ProcessStartInfo("ffmpeg", arguments) { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("ffmpeg did not start.");
        var errors = process.StandardError.ReadToEndAsync();
        using (var input = process.StandardInput.BaseStream)
        {
            var buffer = new byte[width * height * 3];
            for (var t = 0; t < frameCount; t++)
            {
                using var image = frame(t);
                System.Runtime.InteropServices.Marshal.Copy(image.Data, buffer, 0, buffer.Length);
                input.Write(buffer);
            }
        }
        process.WaitForExit();
        if (process.ExitCode != 0 || !File.Exists(path))
            throw new InvalidOperationException($"ffmpeg {arguments} failed: {errors.Result}");
    }
}

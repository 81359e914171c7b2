using System.Collections.Concurrent;
using System.Diagnostics;
using OpenCvSharp;
using Sta.MLNet.Tests.Fixtures;

namespace Sta.MLNet.Tests.Video;

/// <summary>
/// Small test videos made at test time from the real face photo of the preprocess fixtures (astronaut.png), each
/// written once per test run into a temporary folder and shared by all tests. "Stamped" videos carry their frame
/// index as 8 black/white 32x32 blocks in the top-left corner (bit 7 first), large and macroblock-aligned so that
/// lossy codecs keep them readable, plus a pure red block that shows the channel order after decoding.
/// </summary>
internal static class TestVideos
{
    public const int Width = 320;
    public const int Height = 240;
    public const int StampedFrameCount = 60;
    public const double FramesPerSecond = 25;
    private const int StampBlock = 32;

    private static readonly ConcurrentDictionary<string, Lazy<string>> Cache = new();
    private static readonly Lazy<string> Folder = new(() =>
    {
        var folder = Path.Combine(Path.GetTempPath(), $"sta-video-tests-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return folder;
    });

    public static string AstronautPng => Path.Combine(FixturePaths.Fixture("preprocess"), "astronaut.png");

    /// <summary>H.264 (libx264), 3 B-frames, keyframe every 12 frames, 60 stamped frames.</summary>
    public static string StampedH264 => Cached("stamped_h264.mp4", path =>
        EncodeWithFfmpeg(path, StampedFrameCount, "-c:v libx264 -preset veryfast -crf 16 -bf 3 -g 12 -pix_fmt yuv420p"));

    /// <summary>H.264 with 8 B-frames in a pyramid, open GOPs, keyframe interval 20: the hardest case for seeking.</summary>
    public static string StampedH264OpenGop => Cached("stamped_h264_opengop.mp4", path =>
        EncodeWithFfmpeg(path, StampedFrameCount,
            "-c:v libx264 -preset veryfast -crf 16 -bf 8 -x264-params open-gop=1:keyint=20:b-pyramid=normal -pix_fmt yuv420p"));

    /// <summary>
    /// H.264 with variable frame rate: every 7th frame (stamp 3, 10, 17, ...) is dropped without retiming, so the
    /// frames' timestamps have gaps. The i-th decoded frame is not stamp i.
    /// </summary>
    public static string StampedH264VariableRate => Cached("stamped_h264_vfr.mp4", path =>
        EncodeWithFfmpeg(path, StampedFrameCount,
            "-vf select='not(eq(mod(n\\,7)\\,3))' -fps_mode vfr -c:v libx264 -preset veryfast -crf 16 -bf 3 -g 12 -pix_fmt yuv420p"));

    /// <summary>
    /// H.264 whose timestamps jump by 2 s after frame 29 (set to (i + 50) / 25 s from frame 30 on): a variable-rate
    /// file in which OpenCV's index-to-time seek lands on wrong frames. FFmpeg 5.1 muxes two of its frames with the
    /// same timestamp.
    /// </summary>
    public static string StampedH264TimestampGap => Cached("stamped_h264_gap.mp4", path =>
        EncodeWithFfmpeg(path, StampedFrameCount,
            "-vf setpts='if(lt(N\\,30)\\,N\\,N+50)/25/TB' -fps_mode passthrough -c:v libx264 -preset veryfast -crf 16 -bf 3 -g 12 -pix_fmt yuv420p"));

    /// <summary>
    /// The thinned variable-rate stream in Matroska: no frame index (OpenCV's count is duration x rate), and OpenCV's
    /// seek lands on wrong frames.
    /// </summary>
    public static string StampedMkvVariableRate => Cached("stamped_h264_vfr.mkv", path =>
        EncodeWithFfmpeg(path, StampedFrameCount,
            "-vf select='not(eq(mod(n\\,7)\\,3))' -fps_mode vfr -c:v libx264 -preset veryfast -crf 16 -bf 3 -g 12 -pix_fmt yuv420p"));

    /// <summary>The stamped H.264 video with an AAC audio track (a 440 Hz tone) interleaved.</summary>
    public static string StampedH264WithAudio => Cached("stamped_h264_audio.mp4", path =>
        EncodeWithFfmpeg(path, StampedFrameCount,
            "-f lavfi -i sine=frequency=440:duration=2.4 -c:v libx264 -preset veryfast -crf 16 -bf 3 -g 12 -pix_fmt yuv420p -c:a aac -shortest"));

    /// <summary>MPEG-4 part 2 ("mp4v") written by OpenCvSharp's VideoWriter.</summary>
    public static string StampedMp4v => Cached("stamped_mp4v.mp4", path => WriteWithOpenCv(path, FourCC.MP4V));

    /// <summary>Motion JPEG in AVI written by OpenCvSharp's VideoWriter.</summary>
    public static string StampedMjpg => Cached("stamped_mjpg.avi", path => WriteWithOpenCv(path, FourCC.MJPG));

    /// <summary>
    /// 48 frames made by FFmpeg filters from the photo: slow zoom (zoompan), rotation, brightness/contrast change
    /// (eq); H.264 with B-frames. Real-looking motion for the bit-exact seek comparison.
    /// </summary>
    public static string FaceMotionH264 => Cached("face_motion_h264.mp4", path => RunFfmpeg(
        $"-loop 1 -i \"{AstronautPng}\" -vf \"scale=512:512,zoompan=z='1+0.004*on':d=1:s={Width}x{Height}:fps=25," +
        "rotate='0.05*sin(2*PI*t)':fillcolor=black,eq=brightness='0.08*sin(2*PI*t/2)':contrast='1+0.1*cos(2*PI*t)':eval=frame\" " +
        $"-frames:v 48 -c:v libx264 -preset veryfast -bf 3 -g 16 -pix_fmt yuv420p \"{path}\""));

    /// <summary>A valid H.264 video of only 3 frames.</summary>
    public static string ThreeFrameH264 => Cached("three_frames.mp4", path =>
        EncodeWithFfmpeg(path, 3, "-c:v libx264 -preset veryfast -crf 16 -bf 3 -g 12 -pix_fmt yuv420p"));

    /// <summary>The stamped H.264 video with its index at the front (faststart), cut to half its bytes: it opens, announces 60 frames, and decodes only the first ones.</summary>
    public static string TruncatedWithIndex => Cached("truncated_faststart.mp4", path =>
    {
        var full = Cached("stamped_h264_faststart.mp4", source => EncodeWithFfmpeg(source, StampedFrameCount,
            "-c:v libx264 -preset veryfast -crf 16 -bf 3 -g 12 -pix_fmt yuv420p -movflags +faststart"));
        var bytes = File.ReadAllBytes(full);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
    });

    /// <summary>The stamped H.264 video (index at the end, FFmpeg's default) cut in half: the index is lost.</summary>
    public static string TruncatedWithoutIndex => Cached("truncated_no_index.mp4", path =>
    {
        var bytes = File.ReadAllBytes(StampedH264);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
    });

    /// <summary>A zero-byte file named .mp4.</summary>
    public static string EmptyFile => Cached("empty.mp4", path => File.WriteAllBytes(path, []));

    /// <summary>A text file renamed .mp4.</summary>
    public static string TextFileNamedMp4 => Cached("text.mp4", path =>
        File.WriteAllText(path, "This is not a video, only text that claims to be one.\n"));

    /// <summary>An AVI container holding a video stream with no frame.</summary>
    public static string ZeroFrameAvi => Cached("zero_frames.avi", path =>
        RunFfmpeg($"-loop 1 -i \"{AstronautPng}\" -frames:v 0 -c:v mjpeg \"{path}\""));

    /// <summary>AV1 (libaom): FFmpeg writes it, OpenCV's FFmpeg build has no decoder for it.</summary>
    public static string Av1 => Cached("av1.mkv", path => RunFfmpeg(
        $"-loop 1 -i \"{AstronautPng}\" -vf scale=160:120 -frames:v 3 -c:v libaom-av1 -cpu-used 8 \"{path}\""));

    /// <summary>The stamped frame <paramref name="index"/> as BGR, exactly as it is handed to the encoders.</summary>
    public static Mat MakeStampedFrame(int index)
    {
        using var photo = Cv2.ImRead(AstronautPng, ImreadModes.Color);
        // Slow zoom, pan and lighting change so that consecutive frames differ everywhere, as in a real video.
        var side = 360 + index;
        using var scaled = new Mat();
        Cv2.Resize(photo, scaled, new Size(side, side), 0, 0, InterpolationFlags.Area);
        var offsetX = index % 30;
        var offsetY = (index * 2) % 40;
        using var crop = new Mat(scaled, new Rect(offsetX, offsetY, Width, Height));
        var frame = new Mat();
        crop.ConvertTo(frame, MatType.CV_8UC3, 1.0, 20 * Math.Sin(index / 6.0));
        for (var bit = 0; bit < 8; bit++)
        {
            var on = ((index >> (7 - bit)) & 1) == 1;
            frame.Rectangle(new Rect(bit * StampBlock, 0, StampBlock, StampBlock),
                on ? new Scalar(255, 255, 255) : new Scalar(0, 0, 0), -1);
        }
        // Pure red in BGR order: (B, G, R) = (0, 0, 255).
        frame.Rectangle(new Rect(8 * StampBlock, 0, StampBlock, StampBlock), new Scalar(0, 0, 255), -1);
        return frame;
    }

    /// <summary>Reads the index stamp of a decoded frame (any channel order: the stamp is grey).</summary>
    public static int ReadStamp(Mat frame)
    {
        var index = 0;
        for (var bit = 0; bit < 8; bit++)
        {
            // The centre 16x16 of each block, away from ringing at the block edges.
            using var centre = new Mat(frame, new Rect(bit * StampBlock + 8, 8, 16, 16));
            var mean = Cv2.Mean(centre);
            index = (index << 1) | ((mean.Val0 + mean.Val1 + mean.Val2) / 3 > 128 ? 1 : 0);
        }
        return index;
    }

    /// <summary>Mean colour of the red block of a decoded frame, in the frame's own channel order.</summary>
    public static Scalar RedBlockMean(Mat frame)
    {
        using var centre = new Mat(frame, new Rect(8 * StampBlock + 8, 8, 16, 16));
        return Cv2.Mean(centre);
    }

    /// <summary>A folder of this run for tests that write their own files.</summary>
    public static string NewScratchFolder(string name)
    {
        var folder = Path.Combine(Folder.Value, $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static string Cached(string fileName, Action<string> create) =>
        Cache.GetOrAdd(fileName, name => new Lazy<string>(() =>
        {
            var path = Path.Combine(Folder.Value, name);
            create(path);
            if (!File.Exists(path))
                throw new InvalidOperationException($"Test video {path} was not created.");
            return path;
        })).Value;

    private static void EncodeWithFfmpeg(string path, int frameCount, string outputArguments)
    {
        var arguments = $"-v error -y -f rawvideo -pix_fmt bgr24 -s {Width}x{Height} -r {FramesPerSecond} -i - " +
                        $"{outputArguments} \"{path}\"";
        var start = new ProcessStartInfo("ffmpeg", arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("ffmpeg did not start.");
        var errors = process.StandardError.ReadToEndAsync();
        using (var input = process.StandardInput.BaseStream)
        {
            var buffer = new byte[Width * Height * 3];
            for (var i = 0; i < frameCount; i++)
            {
                using var frame = MakeStampedFrame(i);
                System.Runtime.InteropServices.Marshal.Copy(frame.Data, buffer, 0, buffer.Length);
                input.Write(buffer);
            }
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"ffmpeg {arguments} failed: {errors.Result}");
    }

    private static void RunFfmpeg(string arguments)
    {
        var start = new ProcessStartInfo("ffmpeg", "-v error -y " + arguments)
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("ffmpeg did not start.");
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"ffmpeg {arguments} failed: {errors}");
    }

    private static void WriteWithOpenCv(string path, int fourCC)
    {
        using var writer = new VideoWriter(path, fourCC, FramesPerSecond, new Size(Width, Height));
        if (!writer.IsOpened())
            throw new InvalidOperationException($"OpenCV cannot write {path} with FourCC {fourCC}.");
        for (var i = 0; i < StampedFrameCount; i++)
        {
            using var frame = MakeStampedFrame(i);
            writer.Write(frame);
        }
    }
}

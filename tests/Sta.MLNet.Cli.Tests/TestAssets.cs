using System.Diagnostics;
using Sta.MLNet;

namespace Sta.MLNet.Cli.Tests;

/// <summary>
/// Inputs made at test time, once per test run, in a temporary folder: short H.264 videos of the public astronaut
/// photo (a real face) encoded with ffmpeg, a corrupt video, and a checkpoint of a randomly initialised tiny network.
/// </summary>
internal static class TestAssets
{
    private static readonly Lazy<string> LazyFolder = new(() =>
    {
        var folder = Path.Combine(Path.GetTempPath(), $"sta-cli-tests-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return folder;
    });

    private static readonly Lazy<string> LazyTinyCheckpoint = new(() =>
    {
        var path = Path.Combine(Folder, "tiny.pth");
        var random = new Random(7);
        using var detector = new StaDetector(StaPresets.Tiny);
        // Fixed weights from a local generator, so that scores do not depend on test order.
        using (TorchSharp.torch.no_grad())
        using (TorchSharp.torch.NewDisposeScope())
        {
            foreach (var (_, parameter) in detector.named_parameters())
            {
                var values = new float[parameter.numel()];
                for (var i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() - 0.5) * 0.2f;
                parameter.copy_(TorchSharp.torch.tensor(values).reshape(parameter.shape));
            }
        }
        StaCheckpoint.Save(detector, path);
        return path;
    });

    private static readonly Lazy<string> LazyFaceVideo = new(() => Encode("face.mp4", frames: 16, size: 320));

    private static readonly Lazy<string> LazyCorruptVideo = new(() =>
    {
        var path = Path.Combine(Folder, "corrupt.mp4");
        File.WriteAllBytes(path, [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 37 % 251))]);
        return path;
    });

    public static string Folder => LazyFolder.Value;

    public static string AstronautPng => Path.Combine(SharedDirectory, "fixtures", "preprocess", "astronaut.png");

    public static string TinyOfficialPth => Path.Combine(SharedDirectory, "fixtures", "sta", "tiny_official.pth");

    public static string AlignedAstronaut224 => Path.Combine(SharedDirectory, "fixtures", "preprocess", "astronaut.align224.png");

    /// <summary>A checkpoint of <see cref="StaPresets.Tiny"/> with fixed pseudo-random weights.</summary>
    public static string TinyCheckpoint => LazyTinyCheckpoint.Value;

    /// <summary>16 frames (320x320, 25 fps, H.264) of the astronaut photo, slowly zooming so that frames differ.</summary>
    public static string FaceVideo => LazyFaceVideo.Value;

    /// <summary>A file with a video extension that holds no video.</summary>
    public static string CorruptVideo => LazyCorruptVideo.Value;

    /// <summary>A fresh empty folder for one test.</summary>
    public static string NewFolder(string name)
    {
        var path = Path.Combine(Folder, name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Encodes <paramref name="frames"/> frames of the astronaut photo at <paramref name="size"/> px into Folder/name.</summary>
    /// <param name="mirrored">Flip the photo horizontally (a second, different-looking video).</param>
    public static string Encode(string name, int frames, int size, string? folder = null, bool mirrored = false)
    {
        var path = Path.Combine(folder ?? Folder, name);
        var filter = (mirrored ? "hflip," : "") + $"scale={size + 16}:{size + 16},zoompan=z='1+0.002*on':d=1:s={size}x{size}:fps=25";
        EncodeSource(path, $"-loop 1 -i \"{AstronautPng}\" -vf \"{filter}\"", frames);
        return path;
    }

    /// <summary>Runs ffmpeg with <paramref name="input"/> (input and filter arguments) into an H.264 file.</summary>
    public static void EncodeSource(string path, string input, int frames)
    {
        var arguments = $"-y -v error {input} -frames:v {frames} -c:v libx264 -preset veryfast -crf 18 -pix_fmt yuv420p \"{path}\"";
        using var process = Process.Start(new ProcessStartInfo("ffmpeg", arguments) { RedirectStandardError = true, UseShellExecute = false })
            ?? throw new InvalidOperationException("Cannot start ffmpeg.");
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 || !File.Exists(path))
            throw new InvalidOperationException($"ffmpeg failed ({process.ExitCode}) for {path}: {errors}");
    }

    private static string SharedDirectory
    {
        get
        {
            var fromEnvironment = Environment.GetEnvironmentVariable("STA_SHARED_DIR");
            if (!string.IsNullOrWhiteSpace(fromEnvironment)) return Path.GetFullPath(fromEnvironment);
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Sta.MLNet.sln")))
                directory = directory.Parent;
            if (directory is null) throw new InvalidOperationException($"Cannot find Sta.MLNet.sln above {AppContext.BaseDirectory}.");
            var shared = Path.GetFullPath(Path.Combine(directory.FullName, "..", "shared"));
            if (!Directory.Exists(shared))
                throw new DirectoryNotFoundException($"Fixtures not found at {shared}; lay shared/ beside the repository or set STA_SHARED_DIR.");
            return shared;
        }
    }
}

using System.Diagnostics;

namespace Sta.MLNet.Benchmarks;

/// <summary>Test videos made with FFmpeg from the public astronaut photo (H.264, 25 fps), cached by file name.</summary>
public static class BenchmarkVideos
{
    /// <summary>
    /// A <paramref name="width"/>x<paramref name="height"/> crop of the photo scaled to <paramref name="side"/> px, drifting
    /// by up to 40 px horizontally and 20 px vertically around (<paramref name="cropX"/>, <paramref name="cropY"/>), so the
    /// face moves as a talking head does; <paramref name="phase"/> shifts the drift so videos differ.
    /// </summary>
    public static string DriftingPhoto(string path, int width, int height, int side, int cropX, int cropY, int frames, int phase = 0)
    {
        if (File.Exists(path)) return path;
        var photo = Path.Combine(RepositoryPaths.SharedFixture("preprocess"), "astronaut.png");
        var arguments = $"-v error -y -loop 1 -i \"{photo}\" -vf \"scale={side}:{side}," +
                        $"crop={width}:{height}:{cropX}+40*sin((n+{7 * phase})/8):{cropY}+20*cos((n+{5 * phase})/9)\" " +
                        $"-frames:v {frames} -r 25 -c:v libx264 -preset veryfast -crf 20 -pix_fmt yuv420p \"{path}\"";
        Run(arguments);
        return path;
    }

    /// <summary>
    /// <paramref name="frames"/> frames of the photo at <paramref name="side"/> px, zooming in slowly (faster with a larger
    /// <paramref name="zoomStep"/>), optionally mirrored: small face videos of the kind the test projects score.
    /// </summary>
    public static string ZoomingPhoto(string path, int side, int frames, double zoomStep, bool mirrored)
    {
        if (File.Exists(path)) return path;
        var photo = Path.Combine(RepositoryPaths.SharedFixture("preprocess"), "astronaut.png");
        var zoom = zoomStep.ToString("0.#####", System.Globalization.CultureInfo.InvariantCulture);
        var filter = (mirrored ? "hflip," : "") + $"scale={side + 16}:{side + 16},zoompan=z='1+{zoom}*on':d=1:s={side}x{side}:fps=25";
        Run($"-v error -y -loop 1 -i \"{photo}\" -vf \"{filter}\" -frames:v {frames} -c:v libx264 -preset veryfast -crf 18 -pix_fmt yuv420p \"{path}\"");
        return path;
    }

    private static void Run(string arguments)
    {
        using var ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg", arguments) { RedirectStandardError = true, UseShellExecute = false })
            ?? throw new InvalidOperationException("ffmpeg did not start.");
        var errors = ffmpeg.StandardError.ReadToEnd();
        ffmpeg.WaitForExit();
        if (ffmpeg.ExitCode != 0) throw new InvalidOperationException($"ffmpeg {arguments} failed: {errors}");
    }
}

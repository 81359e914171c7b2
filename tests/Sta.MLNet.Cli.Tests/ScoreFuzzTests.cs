using System.Diagnostics;
using System.Text.Json;
using Sta.MLNet.Cli.Infrastructure;
using Sta.MLNet.TestCorpus;
using Xunit.Abstractions;

namespace Sta.MLNet.Cli.Tests;

public sealed class ScoreFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void Two_hundred_corrupt_videos_in_one_sta_process_exit_normally_with_every_file_reported_in_order()
    {
        var folder = TestAssets.NewFolder("score-fuzz");
        var sources = CorruptVideoCorpus.CreateSources(Path.Combine(folder, "sources"), TestAssets.AstronautPng);
        var corpus = CorruptVideoCorpus.Write(Path.Combine(folder, "corrupt"), sources);
        var json = Path.Combine(folder, "scores.json");
        var csv = Path.Combine(folder, "scores.csv");

        // A process of its own: a crash in native decoding code would end it with a signal instead of an exit code.
        var run = RunSta(["score", .. corpus.Select(e => e.Path), "--checkpoint", TestAssets.TinyCheckpoint, "--preset", "tiny",
            "--sampling", "consecutive", "--clips", "2", "--workers", "2", "--json", json, "--csv", csv]);

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        using var document = JsonDocument.Parse(File.ReadAllBytes(json));
        var root = document.RootElement;
        Assert.False(root.GetProperty("cancelled").GetBoolean());
        var videos = root.GetProperty("videos").EnumerateArray().ToList();
        Assert.Equal(corpus.Select(e => e.Path), videos.Select(v => v.GetProperty("path").GetString()));
        foreach (var video in videos)
        {
            var path = video.GetProperty("path").GetString();
            if (video.GetProperty("status").GetString() == "ok")
            {
                Assert.InRange(video.GetProperty("probability").GetDouble(), 0, 1);
                Assert.True(video.GetProperty("clips_scored").GetInt32() > 0, path);
                Assert.All(video.GetProperty("clips").EnumerateArray()
                        .Where(c => c.GetProperty("probability").ValueKind == JsonValueKind.Number),
                    c => Assert.InRange(c.GetProperty("probability").GetDouble(), 0, 1));
            }
            else
            {
                Assert.Equal("error", video.GetProperty("status").GetString());
                Assert.False(string.IsNullOrWhiteSpace(video.GetProperty("error").GetString()), path);
                Assert.Equal(JsonValueKind.Null, video.GetProperty("probability").ValueKind);
            }
        }
        var succeeded = root.GetProperty("summary").GetProperty("succeeded").GetInt32();
        var failed = root.GetProperty("summary").GetProperty("failed").GetInt32();
        Assert.Equal(corpus.Count, succeeded + failed);
        Assert.True(succeeded > 0 && failed > 0, $"{succeeded} scored, {failed} failed");
        Assert.Contains($"{corpus.Count} video(s): {succeeded} scored, {failed} failed", run.Out);
        var rows = Csv.Parse(File.ReadAllText(csv)).Skip(1).ToList();
        Assert.Equal(corpus.Select(e => e.Path), rows.Select(r => r[0]).Distinct());
        output.WriteLine($"sta score: exit {run.ExitCode}, {succeeded} scored, {failed} failed of {corpus.Count}");
    }

    /// <summary>Runs the built <c>sta</c> next to the tests with one torch thread, as the in-process tests use.</summary>
    private static CliResult RunSta(IEnumerable<string> args)
    {
        var host = Environment.ProcessPath is { } current && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "sta.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["OMP_NUM_THREADS"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Cannot start sta.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // Only a guard against a hung process, many times the run's length: a failure here means a hang, not slowness.
        if (!process.WaitForExit(TimeSpan.FromMinutes(20)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"sta score did not exit within 20 minutes.\n--- stderr\n{Tail(stderr.Result)}");
        }
        return new CliResult(process.ExitCode, stdout.Result, Tail(stderr.Result));
    }

    // Decoders log every broken packet: keep the end, where the summary and any crash report are.
    private static string Tail(string text) => text.Length <= 20000 ? text : text[^20000..];
}

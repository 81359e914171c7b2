using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using OpenCvSharp;
using Sta.MLNet.Cli.Infrastructure;
using Sta.MLNet;
using Xunit.Abstractions;

namespace Sta.MLNet.Cli.Tests;

/// <summary>
/// <c>sta train</c> in a child process, killed with SIGKILL at 20 seeded moments (half of them named fault points inside
/// steps and checkpoint writes, half external kills a few milliseconds after a progress line), then run again with the
/// same command: every rerun resumes from at least the last checkpoint the killed run reported, and ends with the same
/// model, last/ and best/ files, byte for byte, as a run that was never interrupted. Where exactly an external kill
/// lands depends on the machine; the expected outcome does not.
/// </summary>
public sealed class TrainKillAndResumeTests(ITestOutputHelper output)
{
    private const int Seed = 20261203;

    // 4 clips, 2 per step, 2 epochs: steps 1-4; last/ is replaced after every step and at both epoch ends (6 times);
    // best/ at least once, at the end of epoch 1.
    private static readonly (string Point, int MaxOccurrence)[] FaultPoints =
    [
        ("step", 4),
        ("last:staging-created", 6),
        ("last:written:model.safetensors", 6),
        ("last:written:optimizer.safetensors", 6),
        ("last:written:state.json", 6),
        ("last:complete", 6),
        ("last:set-aside", 5),
        ("last:renamed", 6),
        ("last:replaced", 6),
        ("best:staging-created", 1),
        ("best:written:model.safetensors", 1),
        ("best:written:best.json", 1),
        ("best:complete", 1),
        ("best:renamed", 1),
        ("best:replaced", 1),
    ];

    private const int StepsInRun = 4;

    [Fact]
    public void Sigkill_at_seeded_moments_then_the_same_command_resumes_to_the_uninterrupted_result()
    {
        var root = TestAssets.NewFolder("kill-resume");
        var json = TinyFrameDataset.Write(Path.Combine(root, "data"));
        var clock = Stopwatch.StartNew();

        var reference = Path.Combine(root, "reference");
        var uninterrupted = Train(json, reference, fault: null, killAfterLine: null);
        Assert.True(uninterrupted.ExitCode == ExitCodes.Success, uninterrupted.ToString());
        var expected = Artefacts(reference);
        Assert.Contains("best/best.json", expected.Keys);

        var random = new Random(Seed);
        for (int trial = 0; trial < 20; trial++)
        {
            var folder = Path.Combine(root, $"trial{trial:00}");
            ChildRun killed;
            string moment;
            if (trial % 2 == 0)
            {
                var (point, maxOccurrence) = FaultPoints[random.Next(FaultPoints.Length)];
                moment = $"{point}:{random.Next(1, maxOccurrence + 1)}";
                killed = Train(json, folder, fault: moment, killAfterLine: null);
                Assert.True(killed.ExitCode == SigkillExitCode, $"{moment} did not kill the run: {killed}");
            }
            else
            {
                var trigger = new KillTrigger(Step: random.Next(1, StepsInRun), Delay: TimeSpan.FromMilliseconds(random.Next(0, 40)));
                moment = $"{trigger.Delay.TotalMilliseconds} ms after the report of step {trigger.Step}";
                killed = Train(json, folder, fault: null, killAfterLine: trigger);
            }
            long? lastReportedCheckpoint = LastCheckpointedStep(killed.Error);

            var rerun = Train(json, folder, fault: null, killAfterLine: null);
            output.WriteLine($"trial {trial}: killed at {moment} (exit {killed.ExitCode}, last checkpoint reported: " +
                             $"{lastReportedCheckpoint?.ToString() ?? "none"}); rerun: {rerun.Out.Trim()}");
            Assert.True(rerun.ExitCode == ExitCodes.Success, $"trial {trial}, killed at {moment}:\n{killed}\nrerun: {rerun}");
            if (lastReportedCheckpoint is { } saved)
            {
                var resumed = Regex.Match(rerun.Out, @"resumed from step (\d+)");
                Assert.True(resumed.Success, $"trial {trial}, killed at {moment}: the rerun did not resume.\n{rerun}");
                Assert.True(long.Parse(resumed.Groups[1].Value) >= saved,
                    $"trial {trial}, killed at {moment}: resumed from step {resumed.Groups[1].Value}, but step {saved} had been checkpointed.");
            }
            Assert.Equal(expected, Artefacts(folder));
        }
        output.WriteLine($"20 kills and reruns in {clock.Elapsed.TotalSeconds:F0} s");
        // 21 checkpoint folders and models; a failing run leaves them for inspection.
        Directory.Delete(root, recursive: true);
    }

    /// <summary>Exit code of a child process ended by SIGKILL, as .NET reports it on Unix (128 + 9).</summary>
    private const int SigkillExitCode = 137;

    private sealed record KillTrigger(int Step, TimeSpan Delay);

    private sealed record ChildRun(int ExitCode, string Out, string Error)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
    }

    /// <summary>
    /// Runs <c>sta train</c> into <paramref name="folder"/> (model.zip and checkpoints/), with the fault variable set to
    /// <paramref name="fault"/>, or killed after the progress line of a step when <paramref name="killAfterLine"/> is given.
    /// </summary>
    private static ChildRun Train(string json, string folder, string? fault, KillTrigger? killAfterLine)
    {
        Directory.CreateDirectory(folder);
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])
                 [
                     Path.Combine(AppContext.BaseDirectory, "sta.dll"), "train", "-d", json, "--validation", json, "--validation-split", "train",
                     "--preset", "tiny", "--allow-random-backbone", "--epochs", "2", "--batch-size", "2", "--lr", "1e-3", "--vb", "none", "--no-augment", "--seed", "5",
                     "--workers", "1", "--checkpoint-dir", Path.Combine(folder, "checkpoints"), "--checkpoint-every", "1",
                     "-o", Path.Combine(folder, "model.zip"),
                 ])
            start.ArgumentList.Add(argument);
        // One torch thread, as in every test here: the machines are small and shared, and results stay bit-identical.
        start.Environment["OMP_NUM_THREADS"] = "1";
        start.Environment["MKL_NUM_THREADS"] = "1";
        start.Environment.Remove(FaultInjection.Variable);
        if (fault is not null) start.Environment[FaultInjection.Variable] = fault;

        using var process = new Process { StartInfo = start };
        var stdout = new System.Text.StringBuilder();
        var stderr = new System.Text.StringBuilder();
        using var outDone = new ManualResetEventSlim();
        using var errDone = new ManualResetEventSlim();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) outDone.Set();
            else lock (stdout) stdout.AppendLine(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                errDone.Set();
                return;
            }
            lock (stderr) stderr.AppendLine(e.Data);
            if (killAfterLine is { } trigger && e.Data.Contains($"[Training] epoch", StringComparison.Ordinal) &&
                e.Data.Contains($"(global {trigger.Step})", StringComparison.Ordinal))
            {
                Thread.Sleep(trigger.Delay);
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // It had already finished: a kill after the end is one more moment the rerun must cope with.
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.WaitForExit();
        outDone.Wait();
        errDone.Wait();
        lock (stdout) lock (stderr) return new ChildRun(process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The highest step whose checkpoint the run reported as written, if any.</summary>
    private static long? LastCheckpointedStep(string stderr) =>
        Regex.Matches(stderr, @"\[Checkpointing\] epoch \d+/\d+ step \d+ \(global (\d+)\)")
            .Select(m => (long?)long.Parse(m.Groups[1].Value)).DefaultIfEmpty(null).Max();

    /// <summary>SHA-256 of every entry of model.zip (entries, not the zip: it stores times) and every file of last/ and best/.</summary>
    private static Dictionary<string, string> Artefacts(string folder)
    {
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var zip = ZipFile.OpenRead(Path.Combine(folder, "model.zip")))
        {
            foreach (var entry in zip.Entries)
            {
                using var stream = entry.Open();
                hashes[$"model.zip:{entry.FullName}"] = Convert.ToHexString(SHA256.HashData(stream));
            }
        }
        var checkpoints = Path.Combine(folder, "checkpoints");
        foreach (var file in Directory.EnumerateFiles(checkpoints, "*", SearchOption.AllDirectories))
            hashes[Path.GetRelativePath(checkpoints, file).Replace('\\', '/')] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)));
        return hashes;
    }
}

/// <summary>
/// A DeepfakeBench dataset of 4 tiny videos of 8 extracted frames each (32x32 PNGs and 68-point landmark files): real
/// videos are still noise images, fake ones flicker from frame to frame, so a few steps of training change the scores.
/// </summary>
internal static class TinyFrameDataset
{
    /// <returns>The dataset JSON.</returns>
    public static string Write(string folder)
    {
        var random = new Random(11);
        var labels = new Dictionary<string, Dictionary<string, object>> { ["Tiny_real"] = [], ["Tiny_fake"] = [] };
        for (int video = 0; video < 4; video++)
        {
            bool fake = video % 2 == 1;
            string name = $"v{video}";
            Directory.CreateDirectory(Path.Combine(folder, "frames", name));
            Directory.CreateDirectory(Path.Combine(folder, "landmarks", name));
            var still = new byte[32 * 32 * 3];
            random.NextBytes(still);
            var frames = new List<string>();
            for (int frame = 0; frame < 8; frame++)
            {
                var pixels = (byte[])still.Clone();
                if (fake && frame % 2 == 1)
                    for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(255 - pixels[i]);
                using (var image = Mat.FromPixelData(32, 32, MatType.CV_8UC3, pixels))
                    Cv2.ImWrite(Path.Combine(folder, "frames", name, $"{frame:000}.png"), image);
                var points = Enumerable.Range(0, 68).SelectMany(p => new double[] { 40 + p * 2, 60 + p }).ToArray();
                NpyFile.Write(Path.Combine(folder, "landmarks", name, $"{frame:000}.npy"), new NpyArray(NpyElementType.Int64, [68, 2], points));
                frames.Add($"frames/{name}/{frame:000}.png");
            }
            var label = fake ? "Tiny_fake" : "Tiny_real";
            labels[label][name] = new { label, frames };
        }
        var json = Path.Combine(folder, "Tiny.json");
        var document = new Dictionary<string, object>
        {
            ["Tiny"] = labels.ToDictionary(l => l.Key, l => (object)new Dictionary<string, object> { ["train"] = l.Value }),
        };
        File.WriteAllText(json, JsonSerializer.Serialize(document));
        return json;
    }
}

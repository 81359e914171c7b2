using System.Diagnostics;
using System.Globalization;
using Sta.MLNet;
using Sta.MLNet.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet.Benchmarks.Suites;

/// <summary>
/// The same network and the same clips on three runtimes, in one process: TorchSharp float32 (the library's CPU
/// inference: channels-last depthwise convolutions, explicit attention), ONNX Runtime float32 and ONNX Runtime int8
/// (<see cref="StaOnnxModel"/>, what <c>sta score --onnx</c> runs). For each network, batch and thread count the three
/// are timed in interleaved rounds (torch, fp32, int8, torch, …) and the median round is reported, so a load that comes
/// and goes on a shared machine hits all three alike; the ratios are the suite's result. Also reported: export time
/// and file sizes, and how far the ONNX outputs move from TorchSharp's on the same clips (max |Δlogit| for float32,
/// max |ΔP(fake)| for both).
/// Networks (random weights, seed 0; per-clip batch semantics): <c>official-1</c> (official widths, 1 block),
/// <c>official-14</c> (the official network, 14 blocks), <c>tiny</c>. Environment: STA_BENCH_ONNX_NETWORKS
/// (comma-separated subset, default all three; <c>NAME:B/B</c> gives that network its own batch sizes, e.g.
/// <c>official-14:1</c>, where a 14-block batch of 8 takes minutes on a small CPU), STA_BENCH_ONNX_BATCHES (default 1,8),
/// STA_BENCH_ONNX_THREADS (default 1,2; libtorch's intra-op threads and ONNX Runtime's, alike). <c>--scale</c> scales
/// both the rounds and the calls per round.
/// </summary>
public sealed class OnnxBenchmarkSuite : IBenchmarkSuite
{
    public string Name => "onnx";

    public string Description => "TorchSharp fp32 vs ONNX Runtime fp32 vs int8, same clips, same run (env STA_BENCH_ONNX_NETWORKS/BATCHES/THREADS)";

    /// <summary>A network of the suite with its timing budget: rounds and calls per round at scale 1.</summary>
    private sealed record Network(string Name, StaNetworkOptions Options, int Rounds, int CallsPerRound, int Warmup);

    private static readonly Network[] Networks =
    [
        new("official-1", StaPresets.Official with { Layers = 1 }, Rounds: 3, CallsPerRound: 1, Warmup: 1),
        // One call is 14 blocks: its one-off costs (allocations, kernel selection) are small beside it, so no warm-up.
        new("official-14", StaPresets.Official, Rounds: 1, CallsPerRound: 1, Warmup: 0),
        new("tiny", StaPresets.Tiny, Rounds: 5, CallsPerRound: 20, Warmup: 5),
    ];

    private enum Runtime
    {
        TorchSharp,
        OnnxFloat32,
        OnnxInt8,
    }

    public IReadOnlyList<BenchmarkMeasurement> Run(BenchmarkSettings settings)
    {
        var batches = Integers(List("STA_BENCH_ONNX_BATCHES", "1,8"));
        var threadCounts = Integers(List("STA_BENCH_ONNX_THREADS", "1,2"));
        var selected = List("STA_BENCH_ONNX_NETWORKS", "official-1,official-14,tiny").Select(entry => entry.Split(':', 2))
            .ToDictionary(parts => parts[0], parts => parts.Length == 2 ? Integers(parts[1].Split('/')) : batches, StringComparer.Ordinal);
        var unknown = selected.Keys.Except(Networks.Select(n => n.Name)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"Unknown network(s) {string.Join(", ", unknown)} in STA_BENCH_ONNX_NETWORKS; known: {string.Join(", ", Networks.Select(n => n.Name))}.");
        var results = new List<BenchmarkMeasurement>();
        var folder = Path.Combine(Path.GetTempPath(), "sta-onnx-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        try
        {
            foreach (var network in Networks.Where(n => selected.ContainsKey(n.Name)))
                RunNetwork(network, selected[network.Name], threadCounts, settings, folder, results);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        results.Add(new BenchmarkMeasurement("process peak working set", process.PeakWorkingSet64 / (1024.0 * 1024.0), "MiB", "all measurements above"));
        return results;
    }

    private static void RunNetwork(Network network, int[] batches, int[] threadCounts, BenchmarkSettings settings, string folder, List<BenchmarkMeasurement> results)
    {
        var options = network.Options;
        Console.WriteLine($"{network.Name}: width {options.Width}, {options.Layers} block(s), {options.InputResolution} px, {options.NumFrames} frames");
        using var detector = new StaDetector(options, CPU, seed: 0);
        detector.eval();
        var fp32Path = Path.Combine(folder, network.Name + ".onnx");
        var int8Path = Path.Combine(folder, network.Name + "-int8.onnx");
        var exportNote = $"{network.Name}, random weights (seed 0)";
        foreach (var (path, int8) in new[] { (fp32Path, false), (int8Path, true) })
        {
            var watch = Stopwatch.StartNew();
            StaOnnxExporter.Export(detector, path, new StaOnnxExportOptions { Int8 = int8 });
            var kind = int8 ? "int8" : "fp32";
            results.Add(new($"{network.Name}: export {kind}", watch.Elapsed.TotalSeconds, "s", exportNote));
            results.Add(new($"{network.Name}: onnx {kind} file", new FileInfo(path).Length / (1024.0 * 1024.0), "MiB", exportNote));
            Console.WriteLine($"  export {kind}: {watch.Elapsed.TotalSeconds:F1} s, {new FileInfo(path).Length / (1024.0 * 1024.0):F1} MiB");
        }

        int maxBatch = batches.Max();
        var clips = RandomClips(options, maxBatch);
        foreach (var threads in threadCounts)
        {
            set_num_threads(threads);
            using var fp32 = StaOnnxModel.Load(fp32Path, threads);
            using var int8 = StaOnnxModel.Load(int8Path, threads);
            foreach (var batch in batches)
            {
                var outputs = new Dictionary<Runtime, (float Score, float Probability)[]>();
                foreach (var runtime in Enum.GetValues<Runtime>()) outputs[runtime] = new (float, float)[batch];
                void Call(Runtime runtime)
                {
                    switch (runtime)
                    {
                        case Runtime.TorchSharp: TorchScores(detector, clips, batch, outputs[runtime]); break;
                        case Runtime.OnnxFloat32: fp32.ScoreBatch(clips, batch, outputs[runtime]); break;
                        default: int8.ScoreBatch(clips, batch, outputs[runtime]); break;
                    }
                }

                var (seconds, rounds, calls) = TimeInterleaved(network, settings, Call);
                string tag = $"{network.Name}: batch {batch}, {threads} thread(s)";
                string note = $"median of {rounds} interleaved round(s) of {calls} call(s) after {network.Warmup} warm-up; " +
                              $"{network.Name}, random weights and clips (seed 0), per-clip batch semantics";
                double torchRate = batch / seconds[Runtime.TorchSharp];
                foreach (var runtime in Enum.GetValues<Runtime>())
                {
                    double rate = batch / seconds[runtime];
                    results.Add(new($"{tag}: {Label(runtime)}", rate, "clips/s", note));
                    if (runtime != Runtime.TorchSharp) results.Add(new($"{tag}: {Label(runtime)} / torchsharp fp32", rate / torchRate, "x", note));
                }
                var torch = outputs[Runtime.TorchSharp];
                double scoreDiff = MaxDiff(outputs[Runtime.OnnxFloat32], torch, r => r.Score);
                double fp32Diff = MaxDiff(outputs[Runtime.OnnxFloat32], torch, r => r.Probability);
                double int8Diff = MaxDiff(outputs[Runtime.OnnxInt8], torch, r => r.Probability);
                results.Add(new($"{tag}: onnx fp32 max |Δscore| vs torchsharp", scoreDiff, "logit", $"score = logit(fake) - logit(real), {batch} clip(s)"));
                results.Add(new($"{tag}: onnx fp32 max |ΔP(fake)| vs torchsharp", fp32Diff, "P", $"{batch} clip(s)"));
                results.Add(new($"{tag}: onnx int8 max |ΔP(fake)| vs torchsharp", int8Diff, "P", $"{batch} clip(s)"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {tag}: torchsharp {torchRate:F2}, onnx fp32 {batch / seconds[Runtime.OnnxFloat32]:F2} ({seconds[Runtime.TorchSharp] / seconds[Runtime.OnnxFloat32]:F2}x), " +
                    $"int8 {batch / seconds[Runtime.OnnxInt8]:F2} clips/s ({seconds[Runtime.TorchSharp] / seconds[Runtime.OnnxInt8]:F2}x); " +
                    $"max |ΔP(fake)| fp32 {fp32Diff:E1}, int8 {int8Diff:F4}"));
            }
        }
    }

    /// <summary>Warm-up of each runtime, then rounds in which each runtime makes its calls in turn; median seconds per call.</summary>
    private static (Dictionary<Runtime, double> Seconds, int Rounds, int Calls) TimeInterleaved(Network network, BenchmarkSettings settings, Action<Runtime> call)
    {
        var runtimes = Enum.GetValues<Runtime>();
        foreach (var runtime in runtimes)
            for (int i = 0; i < network.Warmup; i++) call(runtime);
        int rounds = settings.Iterations(network.Rounds), calls = settings.Iterations(network.CallsPerRound);
        var perRound = runtimes.ToDictionary(r => r, _ => new double[rounds]);
        for (int round = 0; round < rounds; round++)
        {
            foreach (var runtime in runtimes)
            {
                var watch = Stopwatch.StartNew();
                for (int i = 0; i < calls; i++) call(runtime);
                perRound[runtime][round] = watch.Elapsed.TotalSeconds / calls;
            }
        }
        return (runtimes.ToDictionary(r => r, r => Median(perRound[r])), rounds, calls);
    }

    /// <summary>The library's TorchSharp inference on host clips: upload, forward without autograd, scores back.</summary>
    private static void TorchScores(StaDetector detector, float[][] clips, int batch, (float Score, float Probability)[] results)
    {
        var o = detector.Options;
        int length = clips[0].Length;
        var flat = new float[(long)batch * length];
        for (int i = 0; i < batch; i++) Array.Copy(clips[i], 0, flat, (long)i * length, length);
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        var input = tensor(flat, [batch, o.NumFrames, 3, o.InputResolution, o.InputResolution]);
        using var output = detector.forward(input);
        var logits = output.Logits.data<float>().ToArray();
        var probability = output.Probability.data<float>().ToArray();
        for (int i = 0; i < batch; i++) results[i] = (logits[2 * i + 1] - logits[2 * i], probability[i]);
    }

    /// <summary>CLIP-normalised-looking clips (standard normal values) from a seeded generator, the same for every runtime.</summary>
    private static float[][] RandomClips(StaNetworkOptions options, int count)
    {
        var random = new Random(0);
        int length = options.NumFrames * 3 * options.InputResolution * options.InputResolution;
        return Enumerable.Range(0, count).Select(_ =>
        {
            var clip = new float[length];
            for (int i = 0; i < length; i++)
                clip[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
            return clip;
        }).ToArray();
    }

    private static double MaxDiff((float Score, float Probability)[] a, (float Score, float Probability)[] b, Func<(float Score, float Probability), float> value) =>
        a.Zip(b, (x, y) => Math.Abs((double)value(x) - value(y))).Max();

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static string Label(Runtime runtime) => runtime switch
    {
        Runtime.TorchSharp => "torchsharp fp32",
        Runtime.OnnxFloat32 => "onnx fp32",
        _ => "onnx int8",
    };

    private static int[] Integers(IEnumerable<string> values) => values.Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    private static string[] List(string variable, string defaults) =>
        (Environment.GetEnvironmentVariable(variable) ?? defaults).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

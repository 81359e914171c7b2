using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Sta.MLNet;
using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet.Benchmarks.Suites;

/// <summary>
/// The whole training loop (prefetch thread, flat Adam, checkpoint-free) and the ML.NET scoring transformer on random
/// clips, without blending or augmentation so that only the loop's own overhead adds to the network: clips/s of
/// StaTrainingLoop vs a bare step, and of StaDetectionTransformer.Transform. Same environment variables as "network".
/// </summary>
public sealed class TrainerBenchmarkSuite : IBenchmarkSuite
{
    public string Name => "trainer";

    public string Description => "StaTrainingLoop and StaDetectionTransformer throughput on random clips (env as 'network')";

    public IReadOnlyList<BenchmarkMeasurement> Run(BenchmarkSettings settings)
    {
        var environment = NetworkBenchmarkEnvironment.FromEnvironment();
        var (device, presetName, batch, network) = (environment.Device, environment.PresetName, environment.Batch, environment.Network);
        int steps = settings.Iterations(presetName == "tiny" ? 40 : 12);
        int clipLength = network.NumFrames * 3 * network.InputResolution * network.InputResolution;
        var random = new Random(1);
        var examples = Enumerable.Range(0, batch * steps).Select(i =>
        {
            var clip = new float[clipLength];
            for (int j = 0; j < clip.Length; j += 97) clip[j] = (float)random.NextDouble();
            return new TrainingExample(i, clip, i % 2 == 1, null, $"v{i}");
        }).ToList();
        var results = new List<BenchmarkMeasurement>();
        string note = $"{environment.Describe()}, batch {batch}, {steps} steps";

        foreach (var bf16 in device.type == DeviceType.CUDA ? new[] { false, true } : new[] { false })
        {
            var options = new StaTrainer.Options
            {
                Network = network, Epochs = 1, BatchSize = batch, VideoBlending = VideoBlendingMode.None, Augment = false,
                UseBf16OnCuda = bf16,
            };
            StaTrainingProgress? lastReport = null;
            options.Progress = new InlineProgress<StaTrainingProgress>(report => lastReport = report);
            using var detector = new StaDetector(network, device);
            var loop = new StaTrainingLoop(options, device, (s, l) => 0.5, log: line => { Console.WriteLine("    " + line); Console.Out.Flush(); });
            var watch = Stopwatch.StartNew();
            var result = loop.Run(detector, new ListData(examples), null);
            watch.Stop();
            // The first steps include cuDNN autotuning and allocator warm-up; report the whole run honestly.
            results.Add(new($"StaTrainingLoop {(bf16 ? "bf16-mixed" : "fp32")}", result.StepLosses.Count * batch / watch.Elapsed.TotalSeconds, "clips/s",
                $"{note}; includes warm-up; final loss {result.StepLosses[^1]:F3}; steps waited for input {lastReport?.InputWaitShare ?? double.NaN:P0} of the time"));
            Console.WriteLine($"  {results[^1].Name}: {results[^1].Value:F2} clips/s");
        }

        var ml = new MLContext(seed: 1);
        var rows = examples.Take(batch * Math.Min(steps, 16)).Select(e => new ClipRow { Clip = e.Clip }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows, SchemaDefinition.Create(typeof(ClipRow)).WithClipShape(network));
        using var scorer = new StaDetector(network, device);
        var transformer = new StaDetectionTransformer(ml, scorer, new StaDetectionOptions { BatchSize = batch, UseBf16OnCuda = device.type == DeviceType.CUDA }, device);
        transformer.Transform(data).GetColumn<float>("Score").ToArray(); // warm-up
        var timer = Stopwatch.StartNew();
        var scores = transformer.Transform(data).GetColumn<float>("Score").ToArray();
        timer.Stop();
        results.Add(new("StaDetectionTransformer.Transform", scores.Length / timer.Elapsed.TotalSeconds, "clips/s",
            $"{note}; {(device.type == DeviceType.CUDA ? "bf16-mixed" : "fp32")}, per-clip semantics"));
        Console.WriteLine($"  {results[^1].Name}: {results[^1].Value:F2} clips/s");
        return results;
    }

    /// <summary>Reports on the reporting thread (Progress&lt;T&gt; would post to the thread pool and arrive late).</summary>
    private sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    private sealed class ListData(IReadOnlyList<TrainingExample> examples) : ITrainingData
    {
        public IEnumerable<TrainingExample> ReadEpoch(int epoch, long skip, CancellationToken cancellationToken) => examples.Skip((int)skip);
    }

    private sealed class ClipRow
    {
        public float[] Clip { get; set; } = [];
    }
}

internal static class SchemaDefinitionExtensions
{
    public static SchemaDefinition WithClipShape(this SchemaDefinition definition, StaNetworkOptions network)
    {
        definition["Clip"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, network.NumFrames, 3, network.InputResolution, network.InputResolution);
        return definition;
    }
}

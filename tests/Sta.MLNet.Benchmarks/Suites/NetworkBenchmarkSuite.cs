using System.Diagnostics;
using Sta.MLNet;
using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet.Benchmarks.Suites;

/// <summary>
/// StA network throughput: inference clips/s (batch B and batch 1; explicit and fused attention; fp32 and bf16) and
/// training-step clips/s with the paper's frozen backbone (Adam, cross-entropy), with random weights.
/// Environment: STA_BENCH_DEVICE = cpu | cuda (default cpu), STA_BENCH_PRESET = tiny | official | vitb16
/// (default tiny on the CPU, official on CUDA), STA_BENCH_BATCH (default 8), STA_BENCH_BF16 = 1 to include bf16 on
/// the CPU, STA_BENCH_THREADS = torch CPU threads,
/// STA_BENCH_KERNELS = comma-separated subset of explicit, fused-backbone, fused; STA_BENCH_DWCONV = comma-separated
/// depthwise convolution forms (auto, volumetric, planar; default auto); STA_BENCH_SDPA = the fused-attention
/// implementations libtorch may use (flash, efficient, cudnn, math, comma-separated; default libtorch's);
/// STA_BENCH_SKIP_TRAINING = 1 for inference only. The same shapes as
/// tests/reference/sta_reference.py bench, for the TorchSharp/PyTorch ratio.
/// </summary>
public sealed class NetworkBenchmarkSuite : IBenchmarkSuite
{
    public string Name => "network";

    public string Description => "StA network: inference and frozen-backbone training clips/s (env STA_BENCH_DEVICE/PRESET/BATCH)";

    public IReadOnlyList<BenchmarkMeasurement> Run(BenchmarkSettings settings)
    {
        var environment = NetworkBenchmarkEnvironment.FromEnvironment();
        var (device, presetName, batch) = (environment.Device, environment.PresetName, environment.Batch);
        if (Environment.GetEnvironmentVariable("STA_BENCH_THREADS") is { } threads) set_num_threads(int.Parse(threads));
        if (device.type == DeviceType.CUDA && Environment.GetEnvironmentVariable("STA_BENCH_CUDNN_BENCHMARK") != "0")
            Console.WriteLine($"cuDNN autotuning: {(Sta.MLNet.CudnnAutotuning.TrySet(true) ? "on" : "unavailable")}");
        if (Environment.GetEnvironmentVariable("STA_BENCH_SDPA") is { } sdpa)
        {
            var backends = Sta.MLNet.AttentionBackendSet.Parse(sdpa);
            if (!Sta.MLNet.AttentionBackends.TrySet(backends))
                throw new InvalidOperationException($"Could not restrict fused attention to {backends}: this libtorch does not export the switches.");
            Console.WriteLine($"fused attention restricted to: {backends}");
        }
        // Inference alone allows batches whose training activations would not fit (official preset, batch 32).
        bool training = Environment.GetEnvironmentVariable("STA_BENCH_SKIP_TRAINING") != "1";
        bool bf16 = device.type == DeviceType.CUDA || Environment.GetEnvironmentVariable("STA_BENCH_BF16") == "1";
        int iterations = settings.Iterations(presetName == "tiny" ? 50 : 10), warmup = presetName == "tiny" ? 5 : 3;
        var results = new List<BenchmarkMeasurement>();
        string note = $"{environment.Describe()}, torch threads {get_num_threads()}" +
                      (Sta.MLNet.AttentionBackends.Current() is { } current ? $", sdpa {current}" : "");

        var kernels = new (AttentionKernel Backbone, AttentionKernel Cross, string Tag)[]
        {
            (AttentionKernel.Explicit, AttentionKernel.Explicit, "explicit"),
            (AttentionKernel.Fused, AttentionKernel.Explicit, "fused-backbone"),
            (AttentionKernel.Fused, AttentionKernel.Fused, "fused"),
        };
        if (Environment.GetEnvironmentVariable("STA_BENCH_KERNELS") is { } only)
            kernels = kernels.Where(k => only.Split(',').Contains(k.Tag)).ToArray();
        var convolutions = (Environment.GetEnvironmentVariable("STA_BENCH_DWCONV") ?? "auto").Split(',')
            .Select(name => Enum.Parse<DepthwiseConvolution>(name, ignoreCase: true)).ToArray();
        foreach (var (kernel, crossKernel, kernelTag) in kernels)
        foreach (var convolution in convolutions)
        {
            string tag = convolution == DepthwiseConvolution.Auto ? kernelTag : $"{kernelTag} dw-{convolution.ToString().ToLowerInvariant()}";
            var options = environment.Network with { AttentionKernel = kernel, CrossAttentionKernel = crossKernel };
            manual_seed(0);
            using var detector = new StaDetector(options, device) { DepthwiseConvolution = convolution };
            detector.eval();
            using var clips = randn([batch, options.NumFrames, 3, options.InputResolution, options.InputResolution], device: device);
            using var one = clips.narrow(0, 0, 1).contiguous();

            void Infer(Tensor input)
            {
                using var scope = NewDisposeScope();
                using var guard = no_grad();
                using var output = detector.forward(input);
            }
            Record(results, Time($"inference fp32 {tag}, batch {batch}", batch, warmup, iterations, device, () => Infer(clips), note));
            Record(results, Time($"inference fp32 {tag}, batch 1", 1, warmup, iterations, device, () => Infer(one), note));

            // Training step as the paper trains: CLIP frozen, adapters + temporal embedding + ln_post + head train.
            StaParameterGroups.Apply(detector, StaTuningMode.AdapterTuning);
            using var optimizer = new Sta.MLNet.StaAdam(
                detector.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter)).ToList(),
                2e-4, 0.9, 0.999, 1e-8, 5e-4, decoupledWeightDecay: false);
            using var labels = randint(0, 2, [batch], dtype: ScalarType.Int64, device: device);
            detector.train();
            void Step()
            {
                using var scope = NewDisposeScope();
                optimizer.ZeroGrad();
                using var output = detector.forward(clips);
                var loss = nn.functional.cross_entropy(output.Logits, labels);
                loss.backward();
                optimizer.StepOnce();
            }
            if (training) Record(results, Time($"train-frozen fp32 {tag}, batch {batch}", batch, 2, Math.Max(2, iterations / 2), device, Step, note));
            if (bf16)
            {
                // Mixed precision by hand: float32 master weights, bf16 activations (what autocast does).
                detector.ComputeType = ScalarType.BFloat16;
                if (training) Record(results, Time($"train-frozen bf16-mixed {tag}, batch {batch}", batch, 2, Math.Max(2, iterations / 2), device, Step, note));
                detector.eval();
                Record(results, Time($"inference bf16-mixed {tag}, batch {batch}", batch, warmup, iterations, device, () => Infer(clips), note));
                detector.ComputeType = null;
            }
            detector.eval();

            if (bf16)
            {
                StaPrecision.UseBFloat16ForInference(detector);
                Record(results, Time($"inference bf16 {tag}, batch {batch}", batch, warmup, iterations, device, () => Infer(clips), note));
            }
        }
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        process.Refresh();
        results.Add(new BenchmarkMeasurement("process peak working set", process.PeakWorkingSet64 / (1024.0 * 1024.0), "MiB",
            device.type == DeviceType.CUDA ? "host memory; GPU memory is sampled by build/gpu-benchmark.sh" : "all measurements above"));
        return results;
    }

    private static void Record(List<BenchmarkMeasurement> results, BenchmarkMeasurement? measurement)
    {
        if (measurement is not null) results.Add(measurement);
    }

    /// <returns>Null when libtorch has no kernel for the configuration (say, a fused-attention backend restricted by
    /// STA_BENCH_SDPA that does not take these shapes): reported, and the other measurements go on.</returns>
    private static BenchmarkMeasurement? Time(string name, int clips, int warmup, int iterations, Device device, Action work, string note)
    {
        try
        {
            for (int i = 0; i < warmup; i++) work();
        }
        catch (System.Runtime.InteropServices.ExternalException e)
        {
            Console.WriteLine($"  {name}: unavailable ({e.Message.Split('\n')[0].Trim()})");
            return null;
        }
        if (device.type == DeviceType.CUDA) cuda.synchronize(device);
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < iterations; i++) work();
        if (device.type == DeviceType.CUDA) cuda.synchronize(device);
        watch.Stop();
        double seconds = watch.Elapsed.TotalSeconds / iterations;
        Console.WriteLine($"  {name}: {clips / seconds:F2} clips/s ({seconds * 1000:F1} ms/step)");
        return new BenchmarkMeasurement(name, clips / seconds, "clips/s", $"{note}; {iterations} iterations after {warmup} warm-up");
    }
}

using Sta.MLNet;
using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet.Benchmarks;

/// <summary>
/// What the network-bound suites run on, from the environment: STA_BENCH_DEVICE = cpu | cuda (default cpu),
/// STA_BENCH_PRESET = tiny | official | vitb16 (default tiny on the CPU, official on CUDA), STA_BENCH_BATCH (default 8),
/// STA_BENCH_LAYERS = number of blocks (default the preset's).
/// </summary>
public sealed record NetworkBenchmarkEnvironment(Device Device, string PresetName, StaNetworkOptions Network, int Batch)
{
    public static NetworkBenchmarkEnvironment FromEnvironment()
    {
        var device = Environment.GetEnvironmentVariable("STA_BENCH_DEVICE") == "cuda" ? CUDA : CPU;
        if (device.type == DeviceType.CUDA && !cuda.is_available())
            throw new InvalidOperationException("STA_BENCH_DEVICE=cuda but CUDA is not available to TorchSharp.");
        var presetName = Environment.GetEnvironmentVariable("STA_BENCH_PRESET") ?? (device.type == DeviceType.CUDA ? "official" : "tiny");
        var batch = int.Parse(Environment.GetEnvironmentVariable("STA_BENCH_BATCH") ?? "8");
        var network = StaPresets.ByName(presetName);
        // Fewer blocks make the official widths affordable on a CPU (each block + adapter costs the same).
        if (Environment.GetEnvironmentVariable("STA_BENCH_LAYERS") is { } layers)
        {
            network = network with { Layers = int.Parse(layers) };
            presetName += $" ({layers} layers)";
        }
        return new NetworkBenchmarkEnvironment(device, presetName, network, batch);
    }

    public bool IsCuda => Device.type == DeviceType.CUDA;

    /// <summary>"preset, device" for measurement notes.</summary>
    public string Describe() => $"{PresetName}, {(IsCuda ? "cuda" : "cpu")}";
}

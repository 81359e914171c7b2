using Sta.MLNet.Benchmarks.Suites;

namespace Sta.MLNet.Benchmarks;

/// <summary>Every suite the runner knows, by command-line name.</summary>
public static class BenchmarkRegistry
{
    public static IReadOnlyList<IBenchmarkSuite> All { get; } =
    [
        new VideoBlendBenchmarkSuite(),
        new ClipAugmentationBenchmarkSuite(),
        new NetworkBenchmarkSuite(),
        new TrainerBenchmarkSuite(),
        new TrainingInputBenchmarkSuite(),
        new VideoScoringBenchmarkSuite(),
        new FaceFrontEndBenchmarkSuite(),
        new OnnxBenchmarkSuite(),
        new ClusterBenchmarkSuite(),
    ];

    public static IBenchmarkSuite? Find(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
}

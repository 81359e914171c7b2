using System.Diagnostics;
using Sta.MLNet.Clips;
using Sta.MLNet.Scoring;
using Sta.MLNet.TestCorpus;
using Sta.MLNet.Tests.Model;
using Sta.MLNet.Tests.Video;
using Sta.MLNet.Video;
using Xunit.Abstractions;

namespace Sta.MLNet.Tests.Scoring;

/// <summary>Tests that measure the process's memory: xUnit runs this collection alone, after the parallel ones.</summary>
[CollectionDefinition(nameof(ProcessMemoryCollection), DisableParallelization = true)]
public sealed class ProcessMemoryCollection;

/// <summary>200 seeded corruptions of small test videos scored in one run (see <see cref="CorruptVideoCorpus"/>).</summary>
[Collection(nameof(ProcessMemoryCollection))]
public class ScoringFuzzTests(ITestOutputHelper output)
{
    // The tiny test network takes 8 frames of 32 px; the 16-frame sources give two clips each.
    private static readonly FaceClipOptions TinyInput = new() { Sampling = ClipSamplingOptions.Consecutive with { ClipsPerVideo = 2 }, ClipSize = 32 };

    // Memory bounds, in MB of resident memory (VmRSS). Over the baseline after a warm-up, two runs over the corpus may
    // add allocator caches and heap growth (measured: see the test output), never hundreds of MB. The second run
    // re-scores the same files with every pool already warm, so it must add next to nothing: a native decoder and
    // frames left behind by each file (measured with every reader leaked on purpose: 150 to 230 MB for one pass
    // of this corpus) would show there.
    private const long GrowthLimitMb = 256;
    private const long SecondRunGrowthLimitMb = 100;

    [Fact]
    public async Task Two_hundred_corrupt_videos_in_one_run_each_get_one_result_and_memory_stays_bounded()
    {
        var folder = TestVideos.NewScratchFolder("scoring-fuzz");
        var sources = CorruptVideoCorpus.CreateSources(Path.Combine(folder, "sources"), TestVideos.AstronautPng);
        var corpus = CorruptVideoCorpus.Write(Path.Combine(folder, "corrupt"), sources);
        Assert.Equal(CorruptVideoCorpus.DefaultCount, corpus.Count);
        var scorer = new StaVideoScorer(
            TestNetworks.RandomTinyStage(),
            new VideoScoringOptions { FrontEnd = TinyInput, BatchSize = 4, FrontEndWorkers = 2, QueueCapacity = 4 });

        // The intact sources first: they score (so the corpus starts from videos with faces), and the run loads the
        // models and fills the allocators' pools, so the baseline holds what any run needs.
        var intact = await scorer.ScoreFilesAsync(sources);
        Assert.All(intact, r => Assert.True(r.IsScored && r.Issues.Count == 0, $"{r.Path}: {r.Error?.Message}"));
        var baseline = ProcessMemory.Read();
        var stopwatch = Stopwatch.StartNew();

        var results = await scorer.ScoreFilesAsync(corpus.Select(e => e.Path));

        var elapsed = stopwatch.Elapsed;
        var afterFirst = ProcessMemory.Read();
        Assert.Equal(corpus.Select(e => e.Path), results.Select(r => r.Path));
        foreach (var result in results)
            AssertOneHonestResult(result);
        var outcomes = results.Select(Outcome).ToList();

        var again = await scorer.ScoreFilesAsync(corpus.Select(e => e.Path));
        var afterSecond = ProcessMemory.Read();
        Assert.Equal(corpus.Select(e => e.Path), again.Select(r => r.Path));
        foreach (var result in again)
            AssertOneHonestResult(result);

        output.WriteLine($"{results.Count} files in {elapsed.TotalSeconds:F1} s (one run); VmRSS baseline {baseline.RssMb} MB, " +
                         $"after run 1 {afterFirst.RssMb} MB, after run 2 {afterSecond.RssMb} MB: growth {afterSecond.RssMb - baseline.RssMb} MB " +
                         $"(limit {GrowthLimitMb}), run 2 alone {afterSecond.RssMb - afterFirst.RssMb} MB (limit {SecondRunGrowthLimitMb}); " +
                         $"VmHWM {afterSecond.PeakMb} MB");
        foreach (var group in outcomes.GroupBy(o => o).OrderByDescending(g => g.Count()))
            output.WriteLine($"  {group.Count(),4}  {group.Key}");
        foreach (var kind in corpus.Zip(outcomes).GroupBy(p => p.First.Kind).OrderBy(g => g.Key))
            output.WriteLine($"  {kind.Key}: {kind.Count(p => p.Second == "scored")} scored, " +
                             $"{kind.Count(p => p.Second.StartsWith("no clip", StringComparison.Ordinal))} without a scored clip, " +
                             $"{kind.Count(p => p.Second.StartsWith("error", StringComparison.Ordinal))} failed");

        // The corpus exercises both ends: files that still score, and files that fail.
        Assert.Contains("scored", outcomes);
        Assert.Contains(outcomes, o => o.StartsWith("error", StringComparison.Ordinal));
        Assert.True(afterSecond.RssMb - baseline.RssMb < GrowthLimitMb,
            $"Resident memory grew by {afterSecond.RssMb - baseline.RssMb} MB over two runs of {results.Count} corrupt files (limit {GrowthLimitMb} MB).");
        Assert.True(afterSecond.RssMb - afterFirst.RssMb < SecondRunGrowthLimitMb,
            $"The second run over the same files added {afterSecond.RssMb - afterFirst.RssMb} MB (limit {SecondRunGrowthLimitMb} MB).");
    }

    /// <summary>Exactly one of: a finite score in [0, 1] from scored clips, clips that all carry a typed issue, or a typed error.</summary>
    internal static void AssertOneHonestResult(VideoScore result)
    {
        if (result.Error is { } error)
        {
            Assert.False(string.IsNullOrWhiteSpace(error.Message), result.Path);
            Assert.Empty(result.Clips);
            Assert.Null(result.Probability);
            return;
        }
        Assert.All(result.Issues, i => Assert.False(string.IsNullOrWhiteSpace(i.Error.Message), result.Path));
        Assert.Equal(result.ClipCount, result.Clips.Count + result.Issues.Count);
        if (!result.IsScored)
        {
            Assert.NotEmpty(result.Issues);
            Assert.Null(result.Probability);
            return;
        }
        Assert.All(result.Clips, c =>
        {
            Assert.True(float.IsFinite(c.Score), result.Path);
            Assert.InRange(c.Probability, 0f, 1f);
        });
        Assert.InRange(result.Probability!.Value, 0f, 1f);
    }

    private static string Outcome(VideoScore result) => result switch
    {
        { Error: VideoScoringException e } => $"error {e.Stage}: {e.InnerException?.GetType().Name ?? "non-finite output"}",
        { Error: VideoDecodeException e } => $"error {e.GetType().Name} ({e.Failure})",
        { Error: { } e } => $"error {e.GetType().Name}",
        { IsScored: true } => "scored",
        _ => "no clip scored: " + string.Join(", ", result.Issues.Select(i => i.Error.GetType().Name).Distinct().Order()),
    };
}

/// <summary>The process's resident memory from /proc/self/status, read after a full collection.</summary>
internal readonly record struct ProcessMemory(long RssMb, long PeakMb)
{
    public static ProcessMemory Read()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long Field(string name) => long.Parse(File.ReadLines("/proc/self/status").Single(l => l.StartsWith(name + ":", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
        return new ProcessMemory(Field("VmRSS"), Field("VmHWM"));
    }
}

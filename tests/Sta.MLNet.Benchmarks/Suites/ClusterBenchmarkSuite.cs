using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML;
using Orleans.Runtime;
using Orleans.Runtime.Hosting;
using Orleans.Storage;
using Orleans.TestingHost;
using Sta.MLNet.Orleans;
using TorchSharp;

namespace Sta.MLNet.Benchmarks.Suites;

/// <summary>
/// Corpus scoring on an Orleans cluster (src/Sta.MLNet.Orleans, docs/scale-out.md), silos in this process on the test
/// host. Two questions:
/// <list type="number">
/// <item>Coordination: with <see cref="NoOpCorpusScorer"/> (no file opened, no network), how many videos per second do
/// the job grain, the leases and the result writes get through, per lease size? Also how many storage writes each
/// kind of state costs, counted by a wrapper around Orleans' memory storage.</item>
/// <item>Overhead: the tiny network on real encoded videos, scored the way <c>sta score</c> scores them (one
/// <see cref="StaVideoScorer"/> run over all files, then the <c>sta.score/1</c> video objects) and through a one-silo
/// cluster with <see cref="StaCorpusScorer"/> over the same detector: seconds per video each, and the per-video
/// probabilities compared. Repetitions alternate the order and the median is reported, for a shared machine.</item>
/// </list>
/// Environment: STA_BENCH_CLUSTER_PARTS (coordination,overhead), STA_BENCH_CLUSTER_JOB (videos of the no-op job, default
/// 20000 × scale), STA_BENCH_CLUSTER_SILOS (3), STA_BENCH_CLUSTER_WORKERS (workers per silo, 4), STA_BENCH_CLUSTER_LEASES
/// (videos per lease to try, 1,8,32), STA_BENCH_CLUSTER_VIDEOS (real videos, 24), STA_BENCH_CLUSTER_REPEATS (5),
/// STA_BENCH_CLUSTER_SETUPS (one-silo set-ups for the overhead, WORKERSxLEASE, default 1x4,1x24).
/// </summary>
public sealed class ClusterBenchmarkSuite : IBenchmarkSuite
{
    /// <summary>How often the client asks for progress: short, so the finish is seen within a few ms of happening.</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);

    public string Name => "cluster";

    public string Description => "Orleans corpus scoring: videos/s the coordination sustains (no-op scorer), overhead per video against sta score (tiny network)";

    public IReadOnlyList<BenchmarkMeasurement> Run(BenchmarkSettings settings)
    {
        var parts = Text("STA_BENCH_CLUSTER_PARTS", "coordination,overhead").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var results = new List<BenchmarkMeasurement>();
        settings = settings with { OutputDirectory = Path.GetFullPath(settings.OutputDirectory) };
        Directory.CreateDirectory(settings.OutputDirectory);
        // The test host writes a log file per silo and client under ./logs: they go beside the reports, not into the
        // folder the benchmark was started from (the repository root, usually).
        var startedIn = Environment.CurrentDirectory;
        Environment.CurrentDirectory = settings.OutputDirectory;
        try
        {
            if (parts.Contains("coordination")) Coordination(settings, results).GetAwaiter().GetResult();
            if (parts.Contains("overhead")) Overhead(settings, results).GetAwaiter().GetResult();
        }
        finally
        {
            Environment.CurrentDirectory = startedIn;
        }
        return results;
    }

    // ---- Coordination: the no-op scorer --------------------------------------------------------------------------

    private static async Task Coordination(BenchmarkSettings settings, List<BenchmarkMeasurement> results)
    {
        var count = Number("STA_BENCH_CLUSTER_JOB", Math.Max(1000, (int)Math.Round(20_000 * settings.Scale)));
        var silos = Number("STA_BENCH_CLUSTER_SILOS", 3);
        var workers = Number("STA_BENCH_CLUSTER_WORKERS", 4);
        foreach (var lease in Text("STA_BENCH_CLUSTER_LEASES", "1,8,32").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)))
        {
            var writes = new StorageWrites();
            var started = Stopwatch.StartNew();
            await using var cluster = await BenchCluster.Start(silos, workers, lease, new NoOpCorpusScorer(), writes);
            Console.WriteLine($"  {silos} silo(s) up in {started.Elapsed.TotalSeconds:F1} s; {workers} worker(s) each, {lease} video(s) per lease");
            // Warm-up: grain activations, code paths, connections; a job of its own (other paths, so another id).
            await RunJob(cluster.Client, Paths($"warm-{lease}", Math.Min(1000, count)));
            writes.Reset();
            var run = await RunJob(cluster.Client, Paths($"lease-{lease}", count));
            var perSecond = count / run.Wall.TotalSeconds;
            var note = $"{silos} silos x {workers} workers in one process, memory grain storage, {count} synthetic paths, no-op scorer; " +
                       $"submission to finished as the client sees it (polled every {Poll.TotalMilliseconds:F0} ms): {run.Wall.TotalSeconds:F2} s; " +
                       $"the job's own clock: {count / run.JobTime.TotalSeconds:F0} videos/s";
            results.Add(new($"videos/s, no-op scorer, {lease} per lease", perSecond, "videos/s", note));
            var snapshot = writes.Snapshot();
            var total = snapshot.Values.Sum(w => w.Count);
            results.Add(new($"storage writes per 1000 videos, {lease} per lease", 1000.0 * total / count, "writes",
                string.Join("; ", snapshot.OrderBy(s => s.Key).Select(s =>
                    $"{s.Key} {s.Value.Count} ({s.Value.Milliseconds / Math.Max(1, s.Value.Count):F2} ms each, {s.Value.Milliseconds / 1000:F2} s in all)"))));
            Console.WriteLine($"  {lease} per lease: {perSecond:F0} videos/s ({run.Wall.TotalSeconds:F2} s), {total} storage writes: " +
                              string.Join(", ", snapshot.OrderBy(s => s.Key).Select(s => $"{s.Key} {s.Value.Count} ({s.Value.Milliseconds:F0} ms)")));
        }
    }

    /// <summary>Synthetic paths: nothing opens them with the no-op scorer; the prefix keeps each job's id apart.</summary>
    private static CorpusManifest Paths(string prefix, int count) =>
        CorpusManifest.FromPaths(Enumerable.Range(0, count).Select(i => $"/bench/{prefix}/video_{i:D6}.mp4"));

    private sealed record JobRun(TimeSpan Wall, TimeSpan JobTime, IReadOnlyList<VideoResult> Results);

    /// <summary>
    /// Submits <paramref name="manifest"/> and waits until the job is finished (timed), then reads every result (not
    /// timed here) and checks that each video has exactly one.
    /// </summary>
    private static async Task<JobRun> RunJob(CorpusClient client, CorpusManifest manifest, bool readResultsInTime = false)
    {
        var watch = Stopwatch.StartNew();
        var submission = await client.SubmitAsync(manifest);
        if (submission.Attached) throw new InvalidOperationException($"Job {submission.JobId} existed already: the benchmark needs a fresh one.");
        CorpusJobProgress progress;
        while (!(progress = await client.GetProgressAsync(submission.JobId)).IsFinished) await Task.Delay(Poll);
        var results = new List<VideoResult>(manifest.Videos.Count);
        if (readResultsInTime) await foreach (var result in client.ReadResultsAsync(submission.JobId)) results.Add(result);
        watch.Stop();
        if (!readResultsInTime) await foreach (var result in client.ReadResultsAsync(submission.JobId)) results.Add(result);
        if (results.Count != manifest.Videos.Count || results.Select(r => r.Index).Distinct().Count() != results.Count)
            throw new InvalidOperationException($"Job {submission.JobId}: {results.Count} result(s) for {manifest.Videos.Count} video(s).");
        return new JobRun(watch.Elapsed, progress.FinishedAt!.Value - progress.SubmittedAt, results);
    }

    // ---- Overhead: the tiny network, sta score's way and through one silo -----------------------------------------

    private static async Task Overhead(BenchmarkSettings settings, List<BenchmarkMeasurement> results)
    {
        var count = Number("STA_BENCH_CLUSTER_VIDEOS", 24);
        var repeats = Number("STA_BENCH_CLUSTER_REPEATS", 5);
        var setups = Text("STA_BENCH_CLUSTER_SETUPS", "1x4,1x24").Split(',').Select(s => s.Split('x'))
            .Select(s => (Workers: int.Parse(s[0], CultureInfo.InvariantCulture), Lease: int.Parse(s[1], CultureInfo.InvariantCulture))).ToList();

        // Small face videos like the test projects' (the astronaut photo, 320 px, H.264), each a little different.
        var folder = Path.Combine(settings.OutputDirectory, "cluster-videos");
        Directory.CreateDirectory(folder);
        var originals = Enumerable.Range(0, count)
            .Select(i => BenchmarkVideos.ZoomingPhoto(Path.Combine(folder, $"face_{i:D2}.mp4"), 320, 32, 0.001 * (1 + i % 4), mirrored: i % 2 == 1))
            .ToList();
        // Each pass gets its own folder of links to the same files: new paths make a new job (a job's id hashes its paths,
        // and the same manifest would attach to the finished job), while the bytes read stay the same.
        List<string> Pass(string name)
        {
            var passFolder = Path.Combine(folder, name);
            Directory.CreateDirectory(passFolder);
            return originals.Select(original =>
            {
                var link = Path.Combine(passFolder, Path.GetFileName(original));
                if (!File.Exists(link)) File.CreateSymbolicLink(link, original);
                return link;
            }).ToList();
        }

        // sta score's defaults: one front-end worker per processor (at most 8), OpenCV's own pool off with several.
        // libtorch gets one thread on both sides: two OpenMP threads collapse when this 2-core machine is shared
        // (docs/performance.md), which would time the contention rather than the cluster.
        var frontEndWorkers = Math.Clamp(Environment.ProcessorCount, 1, 8);
        using var openCv = new OpenCvThreadPool();
        openCv.UseFor(frontEndWorkers);
        var torchThreads = torch.get_num_threads();
        torch.set_num_threads(1);
        var options = new VideoScoringOptions { FrontEnd = new FaceClipOptions { ClipSize = StaPresets.Tiny.InputResolution }, FrontEndWorkers = frontEndWorkers };
        var detector = new StaDetectionTransformer(new MLContext(seed: 1), new StaDetector(StaPresets.Tiny, seed: 7), null, torch.CPU);
        var clusters = new List<BenchCluster>();
        try
        {
            foreach (var (workers, lease) in setups)
                clusters.Add(await BenchCluster.Start(1, workers, lease, new StaCorpusScorer(new StaVideoScorer(detector, options)), new StorageWrites()));

            var direct = new List<double>();
            var through = setups.Select(_ => new List<double>()).ToList();
            var maxDifference = new double[setups.Count];
            var clipCount = 0;
            // Pass -1 warms up both routes (models, JIT, first activations) and is not counted.
            for (var pass = -1; pass < repeats; pass++)
            {
                var paths = Pass(pass < 0 ? "warm" : $"pass{pass}");
                var manifest = CorpusManifest.FromPaths(paths);
                var order = Enumerable.Range(-1, setups.Count + 1).ToList();  // -1: sta score's way; s: set-up s
                if (pass % 2 != 0) order.Reverse();
                var directScores = new Dictionary<string, double?>();
                var clusterScores = setups.Select(_ => new Dictionary<string, double?>()).ToList();
                foreach (var route in order)
                {
                    if (route < 0)
                    {
                        var (seconds, scored) = await ScoreDirectly(detector, options, manifest);
                        foreach (var video in scored) directScores[video.Path] = video.Probability;
                        clipCount = scored.Sum(v => v.ScoredClipCount);
                        if (scored.Any(v => !v.Succeeded)) throw new InvalidOperationException("A benchmark video could not be scored: " + scored.First(v => !v.Succeeded).Error);
                        if (pass >= 0) direct.Add(seconds / paths.Count);
                        Console.WriteLine($"  pass {pass}: sta score's way {seconds:F2} s");
                    }
                    else
                    {
                        var run = await RunJob(clusters[route].Client, manifest, readResultsInTime: true);
                        foreach (var result in run.Results) clusterScores[route][result.Path] = result.Probability;
                        if (run.Results.Any(r => !r.Succeeded)) throw new InvalidOperationException("A benchmark video failed in the cluster: " + run.Results.First(r => !r.Succeeded).Error);
                        if (pass >= 0) through[route].Add(run.Wall.TotalSeconds / paths.Count);
                        Console.WriteLine($"  pass {pass}: cluster {setups[route].Workers}x{setups[route].Lease} {run.Wall.TotalSeconds:F2} s");
                    }
                }
                for (var s = 0; s < setups.Count; s++)
                    foreach (var (path, probability) in directScores)
                        maxDifference[s] = Math.Max(maxDifference[s], Math.Abs(probability!.Value - clusterScores[s][path]!.Value));
            }

            var directMedian = Median(direct);
            var common = $"tiny network (seed 7), {count} videos of 32 frames at 320 px ({clipCount} clips), {frontEndWorkers} front-end workers, " +
                         $"libtorch 1 thread; median of {repeats} passes, order alternating";
            results.Add(new("s/video, sta score's way", directMedian, "s/video",
                $"{common}; one StaVideoScorer.ScoreFilesAsync over all files + sta.score/1 video objects; passes: {Join(direct)}"));
            for (var s = 0; s < setups.Count; s++)
            {
                var (workers, lease) = setups[s];
                var median = Median(through[s]);
                // Paired ratios: each pass timed both routes back to back, so their ratio shares that moment's load.
                var paired = Median(direct.Zip(through[s], (d, c) => c / d - 1).ToList());
                var setup = $"1 silo, {workers} worker(s), {lease} video(s) per lease";
                results.Add(new($"s/video, cluster {workers}x{lease}", median, "s/video",
                    $"{common}; {setup}, StaCorpusScorer over the same detector; submission to every result read by the client; passes: {Join(through[s])}"));
                results.Add(new($"overhead per video, cluster {workers}x{lease}", 100 * (median / directMedian - 1), "%",
                    $"{setup}: median cluster / median direct - 1; median of the per-pass ratios: {100 * paired:F1} %"));
                results.Add(new($"max |dP(fake)|, cluster {workers}x{lease}", maxDifference[s], "probability",
                    $"{setup}: per-video P(fake) through the cluster vs sta score's way, over every pass (clips may be batched differently)"));
                Console.WriteLine($"  cluster {workers}x{lease}: {median:F4} s/video vs {directMedian:F4}: {100 * (median / directMedian - 1):+0.0;-0.0} % " +
                                  $"(paired {100 * paired:+0.0;-0.0} %), max |dP| {maxDifference[s]:E1}");
            }
        }
        finally
        {
            foreach (var cluster in clusters) await cluster.DisposeAsync();
            detector.ReleaseNetwork();
            torch.set_num_threads(torchThreads);
        }
    }

    /// <summary>
    /// What <c>sta score</c> does with a list of files: one <see cref="StaVideoScorer"/> run over all of them (its front-end
    /// workers overlap the videos), then each video's report and its <c>sta.score/1</c> object.
    /// </summary>
    private static async Task<(double Seconds, IReadOnlyList<VideoScoreResult> Results)> ScoreDirectly(StaDetectionTransformer detector,
        VideoScoringOptions options, CorpusManifest manifest)
    {
        var watch = Stopwatch.StartNew();
        var scores = await new StaVideoScorer(detector, options).ScoreFilesAsync(manifest.Videos.Select(v => v.Path));
        var reports = new List<VideoScoreResult>(scores.Count);
        var output = new StringBuilder();
        for (var i = 0; i < scores.Count; i++)
        {
            var report = VideoScoreResult.From(scores[i], manifest.Videos[i].Label);
            var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer)) ScoreJson.WriteVideo(writer, report, 0.5);
            output.Append(Encoding.UTF8.GetString(buffer.ToArray())).Append('\n');
            reports.Add(report);
        }
        watch.Stop();
        return (watch.Elapsed.TotalSeconds, reports);
    }

    private static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Join(IEnumerable<double> values) => string.Join(", ", values.Select(v => v.ToString("F4", CultureInfo.InvariantCulture)));

    private static string Text(string name, string fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;

    private static int Number(string name, int fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    // ---- The cluster ----------------------------------------------------------------------------------------------

    /// <summary>Silos in this process (the test host), each with workers, the given scorer and counted memory storage.</summary>
    private sealed class BenchCluster : IAsyncDisposable
    {
        private const string MemoryProvider = "bench-memory";

        private BenchCluster(InProcessTestCluster cluster) => Cluster = cluster;

        public InProcessTestCluster Cluster { get; }

        public CorpusClient Client => new(Cluster.Client) { PollInterval = Poll };

        public static async Task<BenchCluster> Start(int silos, int workers, int videosPerLease, ICorpusScorer scorer, StorageWrites writes)
        {
            var builder = new InProcessTestClusterBuilder((short)silos);
            builder.ConfigureSilo((_, silo) =>
            {
                silo.AddMemoryGrainStorage(MemoryProvider);
                silo.Services.AddGrainStorage(CorpusStorage.ProviderName, (services, _) =>
                    new CountingGrainStorage(services.GetRequiredKeyedService<IGrainStorage>(MemoryProvider), writes));
                silo.Services.AddSingleton(scorer);
                silo.AddStaCorpusWorkers(o =>
                {
                    o.Workers = workers;
                    o.VideosPerLease = videosPerLease;
                    // Short, so that an idle worker notices a new job within a few ms of its submission (the default
                    // 0.5 s is meant for long-lived silos, where it is lost in a corpus's hours).
                    o.IdleDelay = TimeSpan.FromMilliseconds(20);
                });
            });
            var cluster = builder.Build();
            await cluster.DeployAsync();
            return new BenchCluster(cluster);
        }

        public async ValueTask DisposeAsync()
        {
            await Cluster.StopAllSilosAsync();
            await Cluster.DisposeAsync();
        }
    }

    /// <summary>Storage writes by kind of state ("ledger", "results", ...): how many, and the time callers waited for them.</summary>
    private sealed class StorageWrites
    {
        private readonly ConcurrentDictionary<string, long[]> _byState = new();

        public void Add(string stateName, TimeSpan elapsed)
        {
            // A job's results are records "results-0", "results-1", ...: counted together.
            var kind = System.Text.RegularExpressions.Regex.Replace(stateName, "-[0-9]+$", "");
            var counter = _byState.GetOrAdd(kind, _ => new long[2]);
            Interlocked.Increment(ref counter[0]);
            Interlocked.Add(ref counter[1], elapsed.Ticks);
        }

        public void Reset() => _byState.Clear();

        public IReadOnlyDictionary<string, (long Count, double Milliseconds)> Snapshot() =>
            _byState.ToDictionary(s => s.Key, s => (Interlocked.Read(ref s.Value[0]), TimeSpan.FromTicks(Interlocked.Read(ref s.Value[1])).TotalMilliseconds));
    }

    /// <summary>Orleans' memory storage with every write counted and timed.</summary>
    private sealed class CountingGrainStorage(IGrainStorage inner, StorageWrites writes) : IGrainStorage
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

        public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            var start = Stopwatch.GetTimestamp();
            await inner.WriteStateAsync(stateName, grainId, grainState);
            writes.Add(stateName, Stopwatch.GetElapsedTime(start));
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);
    }
}

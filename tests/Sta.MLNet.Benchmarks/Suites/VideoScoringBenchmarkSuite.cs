using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Sta.MLNet;
using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet.Benchmarks.Suites;

/// <summary>
/// End-to-end scoring of a folder of 720p H.264 videos (decode + faces + network) with <see cref="StaVideoScorer"/>:
/// videos/s and clips/s with 1 and 2 front-end workers, the split of time between front end and network, the same
/// videos through an ML.NET pipeline (LoadVideoClips with 1 and 2 decode workers -> StaDetectionTransformer, which reads the
/// next batch ahead while the network runs), and peak memory. The network has random weights (speed does not depend on them). Environment: see NetworkBenchmarkEnvironment,
/// plus STA_BENCH_VIDEOS (default 6).
/// </summary>
public sealed class VideoScoringBenchmarkSuite : IBenchmarkSuite
{
    private const int VideoFrames = 64;

    public string Name => "scoring";

    public string Description => "StaVideoScorer end to end on a folder of 720p videos: videos/s, clips/s, front-end vs network time";

    public IReadOnlyList<BenchmarkMeasurement> Run(BenchmarkSettings settings)
    {
        var environment = NetworkBenchmarkEnvironment.FromEnvironment();
        var (device, presetName, network) = (environment.Device, environment.PresetName, environment.Network);
        int videoCount = Math.Max(2, (int)Math.Round(int.Parse(Environment.GetEnvironmentVariable("STA_BENCH_VIDEOS") ?? "6") * Math.Min(1, settings.Scale * 2)));
        var folder = Path.Combine(settings.OutputDirectory, "scoring-videos");
        Directory.CreateDirectory(folder);
        var videos = Enumerable.Range(0, videoCount).Select(i => BenchmarkVideos.DriftingPhoto(Path.Combine(folder, $"talking_{i}.mp4"), 1280, 720, 1600, 160, 100, VideoFrames, phase: i)).ToList();

        var ml = new MLContext(seed: 1);
        manual_seed(0);
        var detector = new StaDetectionTransformer(ml, new StaDetector(network, device),
            new StaDetectionOptions { BatchSize = 8, UseBf16OnCuda = true }, device);
        var results = new List<BenchmarkMeasurement>();
        string note = $"{environment.Describe()}, {videoCount} videos of {VideoFrames} frames 1280x720, DeepfakeBench protocol (4 clips per video)";
        // Several workers run best with OpenCV's own thread pool off (what the CLI does); one worker keeps it. The last
        // configuration keeps it on with two workers, to time what turning it off avoids.
        using var openCv = new OpenCvThreadPool();
        foreach (var (workers, keepPool) in new[] { (1, false), (2, false), (2, true) })
        {
            openCv.UseFor(workers, keepPool);
            string label = $"{workers} front-end worker(s)" + (keepPool ? ", OpenCV thread pool on" : "");
            var scorer = new StaVideoScorer(detector, new VideoScoringOptions
            {
                FrontEnd = new FaceClipOptions { ClipSize = network.InputResolution },
                FrontEndWorkers = workers,
                BatchSize = 8,
            });
            scorer.ScoreFilesAsync(videos.Take(1)).GetAwaiter().GetResult(); // warm-up: models, JIT, allocator
            var watch = Stopwatch.StartNew();
            var scored = scorer.ScoreFilesAsync(videos).GetAwaiter().GetResult();
            watch.Stop();
            int clips = scored.Sum(v => v.Clips.Count);
            if (scored.Any(v => !v.IsScored)) throw new InvalidOperationException("A benchmark video could not be scored: " + (scored.First(v => !v.IsScored).Error?.Message ?? string.Join("; ", scored.First(v => !v.IsScored).Issues)));
            double frontEnd = scored.Sum(v => v.FrontEndTime.TotalSeconds), model = scored.Sum(v => v.NetworkTime.TotalSeconds);
            results.Add(new($"videos/s, {label}", videoCount / watch.Elapsed.TotalSeconds, "videos/s", note));
            results.Add(new($"clips/s, {label}", clips / watch.Elapsed.TotalSeconds, "clips/s", note));
            results.Add(new($"front-end share of work, {label}", 100 * frontEnd / (frontEnd + model), "%",
                $"front end {frontEnd:F1} s of CPU work, network {model:F1} s; wall {watch.Elapsed.TotalSeconds:F1} s"));
            Console.WriteLine($"  {label}: {videoCount / watch.Elapsed.TotalSeconds:F2} videos/s, {clips / watch.Elapsed.TotalSeconds:F1} clips/s");
        }
        // The ML.NET route: one row per clip, decoded by the cursor (on 1 or 2 threads ahead of it); the detection stage
        // reads the next batch ahead.
        var table = ml.Data.LoadFromEnumerable(videos.Select(v => new VideoRow { VideoPath = v }));
        var loader = new VideoClipLoaderOptions { FrontEnd = new FaceClipOptions { ClipSize = network.InputResolution } };
        detector.Transform(ml.LoadVideoClips(ml.Data.TakeRows(table, 1), loader)).GetColumn<float>("Score").ToArray(); // warm-up
        foreach (int workers in new[] { 1, 2 })
        {
            openCv.UseFor(workers);
            var pipeline = ml.LoadVideoClips(table, loader, new ClipStreamOptions { DecodeWorkers = workers });
            var pipelineWatch = Stopwatch.StartNew();
            var pipelineScores = detector.Transform(pipeline).GetColumn<float>("Score").ToArray();
            pipelineWatch.Stop();
            results.Add(new($"clips/s, ML.NET pipeline, {workers} decode worker(s)", pipelineScores.Length / pipelineWatch.Elapsed.TotalSeconds, "clips/s",
                $"{note}; LoadVideoClips (ClipStreamOptions.DecodeWorkers = {workers}) -> StaDetectionTransformer.Transform, batch 8"));
            Console.WriteLine($"  ML.NET pipeline, {workers} decode worker(s): {pipelineScores.Length / pipelineWatch.Elapsed.TotalSeconds:F1} clips/s");
        }

        using var process = Process.GetCurrentProcess();
        process.Refresh();
        results.Add(new("process peak working set", process.PeakWorkingSet64 / 1048576.0, "MiB", "whole suite"));
        return results;
    }

    private sealed class VideoRow
    {
        public string VideoPath { get; set; } = "";
    }
}

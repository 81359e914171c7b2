using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;
using OpenCvSharp;
using Sta.MLNet;

namespace Sta.MLNet.Benchmarks.Suites;

/// <summary>
/// The CPU side of a training step at the official clip size (8 x 224 x 224): what the training loop's prefetch thread
/// does per dataset clip (copy, augmentation, a Video-level Blending twin of every real clip, augmentation of the twin,
/// the copy into the batch), timed on one thread with the public components the loop uses. Its clips/s is the rate
/// at which one thread can feed a GPU; compare it with the network's training clips/s to see which side limits. Also
/// the step before it: reading DeepfakeBench clips (256 px PNG crops + landmark .npy files, resized to 224 px) through
/// <see cref="StaCatalog.LoadDeepfakeBenchClips"/> with 1 and 2 decode workers.
/// Needs OpenCV (VB and augmentation warp with it), so it runs where the front end does, not on a bare GPU machine.
/// </summary>
public sealed class TrainingInputBenchmarkSuite : IBenchmarkSuite
{
    public string Name => "traininput";

    public string Description => "Training input side at 8x224x224: augmentation + VB twins per clip on the prefetch thread, clips/s";

    public IReadOnlyList<BenchmarkMeasurement> Run(BenchmarkSettings settings)
    {
        var network = StaPresets.Official;
        var (pixels, landmarks, height, width) = VideoBlendBenchmarkSuite.LoadClip();
        if (height != network.InputResolution || width != network.InputResolution)
            throw new InvalidOperationException($"The benchmark clip is {width}x{height}, the official network takes {network.InputResolution} px.");
        var normalised = new float[network.NumFrames * 3 * height * width];
        ClipNormalization.Normalize(pixels, normalised, network.NumFrames, height, width);
        // Half real, half fake, as in a balanced batch; every real clip gets a twin (BlendingRatio 1, the default).
        var examples = Enumerable.Range(0, 16).Select(i => new TrainingExample(i, normalised, Label: i % 2 == 1, landmarks, $"v{i}")).ToList();
        var results = new List<BenchmarkMeasurement>();
        var openCvThreads = Cv2.GetNumThreads();
        Cv2.SetNumThreads(1);
        try
        {
            using var augmenter = new NormalizedClipAugmenter(network);
            using var synthesizer = new VideoBlendingSynthesizer(network);
            var batch = new float[2 * examples.Count * normalised.Length];
            int produced = 0;
            void PrepareOne(int i)
            {
                i = Math.Abs(i); // warm-up iterations are numbered below zero
                var example = examples[i % examples.Count];
                var clip = (float[])example.Clip.Clone();
                augmenter.Augment(clip, (ulong)i * 2);
                clip.CopyTo(batch, (long)(produced++ % (2 * examples.Count)) * clip.Length);
                if (example.Label) return;
                var twin = synthesizer.Synthesize(example, (ulong)i * 3);
                augmenter.Augment(twin, (ulong)i * 2 + 1);
                twin.CopyTo(batch, (long)(produced++ % (2 * examples.Count)) * twin.Length);
            }
            int iterations = settings.Iterations(64);
            var (seconds, bytes) = Measure.OnOneThread(8, iterations, PrepareOne);
            // Each dataset clip yields 1.5 training clips on average (every real one also a twin).
            double clipsPerSecond = 1.5 / seconds;
            results.Add(new("training clips/s prepared by one thread, VB real+fake, augmentation on", clipsPerSecond, "clips/s",
                $"8x224x224, half real; per dataset clip: copy, augment, VB twin of reals + augment, copy into the batch; OpenCV 1 thread; {iterations} dataset clips"));
            results.Add(new("managed allocation per dataset clip", bytes, "bytes", "the clip copy and the twin are new arrays (4.8 MB each), as in the loop"));
            Console.WriteLine($"  one thread prepares {clipsPerSecond:F1} training clips/s");
        }
        finally
        {
            Cv2.SetNumThreads(openCvThreads);
        }
        results.AddRange(ReadDeepfakeBenchClips(settings, network));
        return results;
    }

    /// <summary>Clips/s read from a DeepfakeBench tree on disk (frames and landmarks), 1 and 2 decode workers.</summary>
    private static IEnumerable<BenchmarkMeasurement> ReadDeepfakeBenchClips(BenchmarkSettings settings, StaNetworkOptions network)
    {
        int videos = Math.Max(2, (int)Math.Round(8 * Math.Min(1, settings.Scale)));
        var root = Path.Combine(settings.OutputDirectory, "deepfakebench-tree");
        var json = WriteTree(root, videos, framesPerVideo: 32);
        var ml = new MLContext(seed: 1);
        using var openCv = new OpenCvThreadPool();
        try
        {
            foreach (int workers in new[] { 1, 2 })
            {
                openCv.UseFor(workers);
                var clips = (VideoClipSourceDataView)ml.LoadDeepfakeBenchClips(json, new DeepfakeBenchOptions { Split = DatasetSplit.Train, FrameRoot = root },
                    new VideoClipSourceOptions
                    {
                        FrontEnd = new FaceClipOptions { ClipSize = network.InputResolution },
                        Stream = new ClipStreamOptions { DecodeWorkers = workers },
                    });
                _ = clips.Clips.Count; // the clip table is planned once, outside the timing
                var columns = new[] { clips.Schema["Clip"], clips.Schema["Landmarks"] };
                var watch = Stopwatch.StartNew();
                int count = 0;
                using (var cursor = clips.GetRowCursor(columns, new Random(1)))
                {
                    var clip = cursor.GetGetter<VBuffer<float>>(columns[0]);
                    var landmarks = cursor.GetGetter<VBuffer<float>>(columns[1]);
                    VBuffer<float> pixels = default, points = default;
                    while (cursor.MoveNext())
                    {
                        clip(ref pixels);
                        landmarks(ref points);
                        count++;
                    }
                }
                watch.Stop();
                yield return new($"DeepfakeBench clips/s read, {workers} decode worker(s)", count / watch.Elapsed.TotalSeconds, "clips/s",
                    $"{videos} videos x 32 frames of 256 px PNG + 81-point .npy, clips of 8 resized to {network.InputResolution} px, shuffled; " +
                    (workers > 1 ? "OpenCV 1 thread per worker" : "OpenCV's own threads"));
                Console.WriteLine($"  DeepfakeBench reading, {workers} worker(s): {count / watch.Elapsed.TotalSeconds:F1} clips/s");
            }
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// A DeepfakeBench tree (dataset JSON, frames/, landmarks/) of the aligned astronaut crop at 256 px, shifted by a few
    /// pixels per frame so that the PNG encoder and decoder see different images.
    /// </summary>
    private static string WriteTree(string root, int videos, int framesPerVideo)
    {
        using var face = Cv2.ImRead(Path.Combine(RepositoryPaths.SharedFixture("preprocess"), "astronaut.align224.png"), ImreadModes.Color);
        using var crop = new Mat();
        Cv2.Resize(face, crop, new Size(256, 256), interpolation: InterpolationFlags.Cubic);
        var points = new NpyArray(NpyElementType.Int64, [81, 2], Enumerable.Range(0, 81).SelectMany(i => new double[] { 60 + i, 80 + i }).ToArray());
        var entries = new JsonObject();
        for (int v = 0; v < videos; v++)
        {
            var frames = new JsonArray();
            for (int f = 0; f < framesPerVideo; f++)
            {
                var relative = $"FaceForensics++/original_sequences/youtube/c23/frames/{v:D3}/{f:D3}.png";
                var path = Path.Combine(root, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                using var shifted = new Mat();
                using var shift = Mat.FromArray(new double[,] { { 1, 0, f % 5 }, { 0, 1, v % 3 } });
                Cv2.WarpAffine(crop, shifted, shift, crop.Size(), borderMode: BorderTypes.Reflect);
                Cv2.ImWrite(path, shifted);
                var landmarkPath = Path.Combine(root, relative.Replace("/frames/", "/landmarks/")[..^4] + ".npy");
                Directory.CreateDirectory(Path.GetDirectoryName(landmarkPath)!);
                NpyFile.Write(landmarkPath, points);
                frames.Add((JsonNode)relative);
            }
            entries[$"{v:D3}"] = new JsonObject { ["label"] = "FF-real", ["frames"] = frames };
        }
        var dataset = new JsonObject { ["FaceForensics++"] = new JsonObject { ["FF-real"] = new JsonObject { ["train"] = new JsonObject { ["c23"] = entries } } } };
        var json = Path.Combine(root, "FaceForensics++.json");
        File.WriteAllText(json, dataset.ToJsonString());
        return json;
    }
}

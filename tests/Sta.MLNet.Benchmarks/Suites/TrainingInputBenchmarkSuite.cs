using OpenCvSharp;
using Sta.MLNet.Model;
using Sta.MLNet.Training;

namespace Sta.MLNet.Benchmarks.Suites;

/// <summary>
/// The CPU side of a training step at the official clip size (8 x 224 x 224): what the training loop's prefetch thread
/// does per dataset clip (copy, augmentation, a Video-level Blending twin of every real clip, augmentation of the twin,
/// the copy into the batch), timed on one thread with the public components the loop uses. Its clips/s is the rate
/// at which one thread can feed a GPU; compare it with the network's training clips/s to see which side limits.
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
        return results;
    }
}

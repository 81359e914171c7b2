using OpenCvSharp;
using Sta.MLNet;

namespace Sta.MLNet.Benchmarks.Suites;

/// <summary>
/// Clip-consistent augmentation throughput on 8 x 224 x 224 clips: the DeepfakeBench pipeline (docs/design.md, "Augmentation") with its probabilities
/// (a fresh draw per clip), and the worst case with every step forced on.
/// </summary>
public sealed class ClipAugmentationBenchmarkSuite : IBenchmarkSuite
{
    public string Name => "augment";

    public string Description => "Clip-consistent augmentation, 8x224x224 RGB clips: clips/s and bytes allocated per clip";

    public IReadOnlyList<BenchmarkMeasurement> Run(BenchmarkSettings settings)
    {
        var (pixels, _, height, width) = VideoBlendBenchmarkSuite.LoadClip();
        var frames = pixels.Length / (height * width * 3);
        var results = new List<BenchmarkMeasurement>();
        var openCvThreads = Cv2.GetNumThreads();
        Cv2.SetNumThreads(1);
        try
        {
            var iterations = settings.Iterations(200);
            var destination = new byte[pixels.Length];
            using (var augmenter = new ClipAugmenter(seed: 1))
            {
                var (seconds, bytes) = Measure.OnOneThread(10, iterations, i =>
                    augmenter.Augment(pixels, frames, height, width, i, destination));
                results.Add(new("augment clips/s, spec probabilities, 1 thread", 1 / seconds, "clips/s", $"{iterations} clips, OpenCV 1 thread"));
                results.Add(new("augment managed allocation per clip", bytes, "bytes/clip", "mostly the JPEG encode buffers"));
            }
            var always = new ClipAugmentationOptions
            {
                HorizontalFlipProbability = 1, RotateProbability = 1, BlurProbability = 1, ColorProbability = 1, JpegProbability = 1,
            };
            using (var augmenter = new ClipAugmenter(seed: 1, always))
            {
                var (seconds, _) = Measure.OnOneThread(10, iterations / 2, i =>
                    augmenter.Augment(pixels, frames, height, width, i, destination));
                results.Add(new("augment clips/s, every step on, 1 thread", 1 / seconds, "clips/s", "worst case"));
            }
        }
        finally
        {
            Cv2.SetNumThreads(openCvThreads);
        }
        return results;
    }
}

using System.Text.Json;
using OpenCvSharp;
using Sta.MLNet;

namespace Sta.MLNet.Benchmarks.Suites;

/// <summary>
/// Video-level Blending throughput on 8 x 224 x 224 clips (the public astronaut face repeated, its dlib landmarks):
/// clips/s on 1 and 2 threads (one blender per thread, fresh draws per clip) and managed bytes allocated per clip.
/// Target from issue 4: >= 50 clips/s on 2 cores.
/// </summary>
public sealed class VideoBlendBenchmarkSuite : IBenchmarkSuite
{
    private const int Frames = 8;

    public string Name => "vb";

    public string Description => "Video-level Blending, 8x224x224 RGB clips: clips/s (1 and 2 threads), bytes allocated per clip";

    public IReadOnlyList<BenchmarkMeasurement> Run(BenchmarkSettings settings)
    {
        var (pixels, landmarks, height, width) = LoadClip();
        var results = new List<BenchmarkMeasurement>();
        var openCvThreads = Cv2.GetNumThreads();
        // One OpenCV thread per blender: data loaders parallelise over clips, and nested OpenCV threads on 2 cores only add contention.
        Cv2.SetNumThreads(1);
        try
        {
            var iterations = settings.Iterations(200);
            using (var blender = new VideoBlender(seed: 1))
            {
                var destination = new byte[pixels.Length];
                var (seconds, bytes) = Measure.OnOneThread(10, iterations, i =>
                    blender.BlendClip(pixels, Frames, height, width, landmarks, 68, i, destination));
                results.Add(new("vb clips/s, 1 thread", 1 / seconds, "clips/s", $"median of 5 rounds, {iterations} clips after 10 warm-up, OpenCV 1 thread"));
                results.Add(new("vb time per clip, 1 thread", seconds * 1000, "ms/clip", "8 frames"));
                results.Add(new("vb managed allocation per clip", bytes, "bytes/clip", "GC.GetAllocatedBytesForCurrentThread, steady state"));

                var masks = new float[Frames * 4 * height * width];
                var (maskSeconds, _) = Measure.OnOneThread(5, iterations / 2, i =>
                    blender.BlendClip(pixels, Frames, height, width, landmarks, 68, i, destination, masks));
                results.Add(new("vb clips/s with masks out, 1 thread", 1 / maskSeconds, "clips/s", "masks copied to [T,4,H,W]"));
            }

            using (var fast = new VideoBlender(seed: 1, new VideoBlendOptions { WarpMaskedRowsOnly = true }))
            {
                var destination = new byte[pixels.Length];
                var (fastSeconds, _) = Measure.OnOneThread(10, iterations, i =>
                    fast.BlendClip(pixels, Frames, height, width, landmarks, 68, i, destination));
                results.Add(new("vb clips/s, 1 thread, WarpMaskedRowsOnly", 1 / fastSeconds, "clips/s", "speed knob: warps only masked rows"));
            }

            // Breakdown of one frame's work, to see where optimisation would pay.
            var frameLandmarks = landmarks.AsSpan(0, 136).ToArray();
            var builder = new FeatureMaskBuilder(height, width);
            var maskSet = new FeatureMasks(height, width);
            var (maskSeconds1, _) = Measure.OnOneThread(20, iterations * 8, _ => builder.Build(frameLandmarks, maskSet));
            results.Add(new("mask build per frame", maskSeconds1 * 1e6, "us/frame", "4 masks + overlap resolution"));
            using (var source = new Mat(height, width, MatType.CV_8UC3, Scalar.All(128)))
            using (var target = new Mat())
            using (var matrix = Mat.FromPixelData(2, 3, MatType.CV_64FC1, new[] { 0.99, -0.05, 6.0, 0.05, 0.99, -4.0 }))
            {
                var (warpSeconds, _) = Measure.OnOneThread(20, iterations * 8, _ =>
                    Cv2.WarpAffine(source, target, matrix, new Size(width, height), InterpolationFlags.Linear, BorderTypes.Constant, Scalar.All(0)));
                results.Add(new("warpAffine per region", warpSeconds * 1e6, "us/warp", "224x224x3 uint8, bilinear; 4 per frame"));
            }

            var perThread = settings.Iterations(150);
            var twoThreads = Measure.Throughput(2, 10, perThread, _ => new Worker(pixels.Length),
                (w, i) => w.Blender.BlendClip(pixels, Frames, height, width, landmarks, 68, i, w.Destination));
            results.Add(new("vb clips/s, 2 threads", twoThreads, "clips/s", $"{perThread} clips per thread, one blender per thread; target >= 50"));
        }
        finally
        {
            Cv2.SetNumThreads(openCvThreads);
        }
        return results;
    }

    private sealed class Worker(int length) : IDisposable
    {
        public VideoBlender Blender { get; } = new(seed: 2);

        public byte[] Destination { get; } = new byte[length];

        public void Dispose() => Blender.Dispose();
    }

    internal static (byte[] Pixels, float[] Landmarks, int Height, int Width) LoadClip()
    {
        var folder = RepositoryPaths.SharedFixture("preprocess");
        using var bgr = Cv2.ImRead(Path.Combine(folder, "astronaut.align224.png"), ImreadModes.Color);
        using var rgb = new Mat();
        Cv2.CvtColor(bgr, rgb, ColorConversionCodes.BGR2RGB);
        var frameLength = rgb.Rows * rgb.Cols * 3;
        var pixels = new byte[Frames * frameLength];
        for (var t = 0; t < Frames; t++) System.Runtime.InteropServices.Marshal.Copy(rgb.Data, pixels, t * frameLength, frameLength);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "astronaut.align224.dlib68.json")));
        var points = json.RootElement.GetProperty("landmarks68").EnumerateArray()
            .SelectMany(p => p.EnumerateArray().Select(v => (float)v.GetDouble())).ToArray();
        var landmarks = new float[Frames * points.Length];
        for (var t = 0; t < Frames; t++) points.CopyTo(landmarks, t * points.Length);
        return (pixels, landmarks, rgb.Rows, rgb.Cols);
    }
}

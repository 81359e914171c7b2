using Microsoft.ML;
using Microsoft.ML.Data;
using Sta.MLNet;
using static TorchSharp.torch;

namespace Sta.MLNet.Tests.Pipelines;

public class ClipNormalizerTests
{
    private const int T = 2, H = 3, W = 4, Size = T * H * W * 3;

    public sealed class FramesRow
    {
        [VectorType(Size)] public byte[] Frames { get; set; } = [];
        public string VideoId { get; set; } = "";
    }

    public sealed class ClipRow
    {
        [VectorType(T, 3, H, W)] public float[] Clip { get; set; } = [];
    }

    private sealed class WrongTypeRow
    {
        [VectorType(Size)] public float[] Frames { get; set; } = [];
    }

    private static FramesRow[] Rows(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i =>
        {
            var frames = new byte[Size];
            random.NextBytes(frames);
            frames[0] = 0;
            frames[1] = 255;
            return new FramesRow { Frames = frames, VideoId = $"FF-DF_{i:000}" };
        }).ToArray();
    }

    [Fact]
    public void PassesEstimatorChecksAndPredictionEngine()
    {
        var ml = new MLContext(seed: 1);
        var valid = ml.Data.LoadFromEnumerable(Rows(5, 7));
        var invalid = ml.Data.LoadFromEnumerable([new WrongTypeRow { Frames = new float[Size] }]);
        var estimator = ml.NormalizeClip(frameCount: T, height: H, width: W);

        var result = EstimatorChecks.Check<ITransformer, FramesRow, ClipRow>(ml, estimator, valid, invalid);

        Assert.IsType<ClipNormalizingTransformer>(result.Fitted);
        Assert.IsType<ClipNormalizingTransformer>(result.Reloaded);

        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, T, 3, H, W), result.Transformed.Schema["Clip"].Type);
    }

    [Fact]
    public void MatchesTorchToTensorAndNormalizeBitForBit()
    {
        using var scope = NewDisposeScope();
        var ml = new MLContext(seed: 1);
        var rows = Rows(3, 11);
        var output = ml.NormalizeClip(frameCount: T, height: H, width: W).Fit(ml.Data.LoadFromEnumerable(rows))
            .Transform(ml.Data.LoadFromEnumerable(rows));
        var clips = ml.Data.CreateEnumerable<ClipRow>(output, reuseRowObject: false).ToList();

        var mean = tensor(ClipNormalizerOptions.ClipMean.ToArray()).reshape(1, 3, 1, 1);
        var std = tensor(ClipNormalizerOptions.ClipStd.ToArray()).reshape(1, 3, 1, 1);
        for (int r = 0; r < rows.Length; r++)
        {
            // The PyTorch recipe (docs/design.md, "Normalisation"): frames [T, H, W, 3] uint8 -> float / 255 -> [T, 3, H, W] -> (x - mean) / std.
            using var frames = tensor(rows[r].Frames, new long[] { T, H, W, 3 });
            using var expected = frames.to_type(ScalarType.Float32).Divide(255f).permute(0, 3, 1, 2).sub(mean).div(std).contiguous();
            var expectedValues = expected.data<float>().ToArray();
            Assert.Equal(expectedValues.Length, clips[r].Clip.Length);
            for (int i = 0; i < expectedValues.Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(expectedValues[i]) == BitConverter.SingleToInt32Bits(clips[r].Clip[i]),
                    $"row {r} value {i}: {clips[r].Clip[i]:R} vs torch {expectedValues[i]:R}");
        }
        // Spot values: channel R of byte 0 and channel G of byte 255 (first pixel of frame 0).
        Assert.Equal(-0.48145466 / 0.26862954, clips[0].Clip[0], 5);
        Assert.Equal((1 - 0.4578275) / 0.26130258, clips[0].Clip[H * W], 5);
    }

    [Fact]
    public void GivenMeanAndStdReplaceClipsAndAreSavedWithTheModel()
    {
        var ml = new MLContext(seed: 1);
        var rows = Rows(2, 13);
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.NormalizeClip(frameCount: T, height: H, width: W, mean: [0f, 0.5f, 1f], std: [1f, 0.5f, 0.25f]).Fit(data);
        var fresh = new MLContext(seed: 2);
        ITransformer reloaded;
        using (var stream = new MemoryStream())
        {
            ml.Model.Save(model, data.Schema, stream);
            stream.Position = 0;
            reloaded = StaMLNet.LoadModel(fresh, stream, out _);
        }
        foreach (var transformer in new[] { model, reloaded })
        {
            var clip = ml.Data.CreateEnumerable<ClipRow>(transformer.Transform(data), reuseRowObject: false).First().Clip;
            // Layout [T, 3, H, W]: the first pixel of frame 0 in channels R, G and B.
            var pixel = rows[0].Frames;
            Assert.Equal(pixel[0] / 255f, clip[0], 6);
            Assert.Equal((pixel[1] / 255f - 0.5f) / 0.5f, clip[H * W], 6);
            Assert.Equal((pixel[2] / 255f - 1f) / 0.25f, clip[2 * H * W], 6);
        }
    }

    [Fact]
    public void OutputMayReplaceTheInputColumnName()
    {
        var ml = new MLContext(seed: 1);
        var valid = ml.Data.LoadFromEnumerable(Rows(3, 5));
        var invalid = ml.Data.LoadFromEnumerable([new WrongTypeRow { Frames = new float[Size] }]);
        var result = EstimatorChecks.Check(ml, ml.NormalizeClip("Frames", "Frames", T, H, W), valid, invalid);
        var frames = result.Transformed.Schema.Where(c => c.Name == "Frames").ToList();
        Assert.Equal(2, frames.Count);
        Assert.True(frames[0].IsHidden);
        Assert.Equal(NumberDataViewType.Single, ((VectorDataViewType)result.Transformed.Schema["Frames"].Type).ItemType);
    }

    [Fact]
    public void WrongVectorSizeIsRejectedWithTheColumnNamed()
    {
        var ml = new MLContext(seed: 1);
        var estimator = ml.NormalizeClip(frameCount: T, height: H, width: W + 1);
        var data = ml.Data.LoadFromEnumerable(Rows(1, 3));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(data));
        Assert.Contains("'Frames'", error.Message);
        Assert.Contains(((T * H * (W + 1)) * 3).ToString(), error.Message);
    }

    [Fact]
    public void MissingColumnIsRejected()
    {
        var ml = new MLContext(seed: 1);
        var estimator = ml.NormalizeClip(inputColumnName: "Pixels", frameCount: T, height: H, width: W);
        var data = ml.Data.LoadFromEnumerable(Rows(1, 3));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(EstimatorChecks.ToShape(data.Schema)));
        Assert.Contains("Could not find input column 'Pixels'", error.Message);
    }

    [Fact]
    public void InvalidOptionsAreRejected()
    {
        var ml = new MLContext(seed: 1);
        Assert.Throws<ArgumentException>(() => ml.NormalizeClip(std: [1f, 0f, 1f]));
        Assert.Throws<ArgumentException>(() => ml.NormalizeClip(mean: [0.5f]));
        Assert.Throws<ArgumentException>(() => ml.NormalizeClip(std: [1f, float.NaN, 1f]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.NormalizeClip(frameCount: 0));
    }
}

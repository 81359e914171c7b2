using Sta.MLNet;
using Sta.MLNet.Onnx;
using Sta.MLNet.Tests.Network;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Sta.MLNet.Tests.Onnx;

/// <summary>
/// Exported graphs of networks whose every path matters (random weights, adapters that are not identities, two or more
/// blocks, so the adapters' 3-D path and cross-attention reach the class token): float32 against TorchSharp for several
/// presets and both batch semantics, int8 close to float32, and the typed errors for files that are not StA networks.
/// </summary>
public class OnnxExportTests(ITestOutputHelper output)
{
    public static TheoryData<string, CrossAttentionBatchSemantics> Networks() => new()
    {
        { "tiny", CrossAttentionBatchSemantics.PerClip },
        { "tiny", CrossAttentionBatchSemantics.Literal },
        // ViT-B/16's widths and patch size, at 2 blocks and 64 px (4x4 patches) to stay fast.
        { "vitb16", CrossAttentionBatchSemantics.PerClip },
        // Other kernels, heads, classes, frames and an adapter width with 4 cross-attention heads.
        { "custom", CrossAttentionBatchSemantics.PerClip },
        { "custom", CrossAttentionBatchSemantics.Literal },
    };

    internal static StaNetworkOptions Options(string name) => name switch
    {
        "tiny" => StaPresets.Tiny,
        "vitb16" => StaPresets.VitB16 with { Layers = 2, InputResolution = 64 },
        "custom" => StaPresets.Tiny with
        {
            Width = 48, Heads = 6, Layers = 3, NumFrames = 4, PatchSize = 4, InputResolution = 20, AdapterWidth = 24, CrossAttentionHeads = 4,
            MlpWidth = 96, NumClasses = 3, SpatialKernels = [1, 3, 5], TemporalKernels = [3, 3, 1],
        },
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Float32GraphMatchesTorchSharp(string network, CrossAttentionBatchSemantics semantics)
    {
        var options = Options(network) with { BatchSemantics = semantics };
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "sta.onnx");
        using var detector = new StaDetector(options);
        TestNetworks.Randomize(detector, seed: 11);
        StaOnnxExporter.Export(detector, path, new StaOnnxExportOptions { BatchSemantics = semantics });
        var (input, shape, expectedLogits, expectedProbability) = Torch(detector, options, clips: 3, seed: 4);

        var (logits, probability) = OnnxRun.Network(path, input, shape);
        double logitDiff = TensorDifference.MaxAbs(logits, expectedLogits), probabilityDiff = TensorDifference.MaxAbs(probability, expectedProbability);
        output.WriteLine($"{network} {semantics}: logits max |diff| {logitDiff:E2}, probability {probabilityDiff:E2}; logits [{string.Join(", ", logits.Select(l => l.ToString("F3")))}]");
        Assert.True(logitDiff <= 1e-4, $"logits differ by {logitDiff:E3}");
        Assert.True(probabilityDiff <= 1e-4, $"probabilities differ by {probabilityDiff:E3}");
        // The literal semantics mixes clips; per clip, each clip's scores are its own: scoring clip 0 alone gives the same.
        if (semantics == CrossAttentionBatchSemantics.PerClip)
        {
            int length = input.Length / 3;
            var (alone, _) = OnnxRun.Network(path, input[..length], [1, .. shape[1..]]);
            Assert.True(TensorDifference.MaxAbs(alone, logits[..options.NumClasses]) <= 1e-5, "a clip scored alone differs from the same clip in a batch");
        }
    }

    [Fact]
    public void Int8GraphQuantizesEveryLinearLayerAndStaysCloseToFloat32()
    {
        var options = StaPresets.Tiny;
        using var folder = new TemporaryFolder();
        string fp32 = Path.Combine(folder.Path, "fp32.onnx"), int8 = Path.Combine(folder.Path, "int8.onnx");
        using var detector = new StaDetector(options);
        TestNetworks.Randomize(detector, seed: 12);
        StaOnnxExporter.Export(detector, fp32);
        StaOnnxExporter.Export(detector, int8, new StaOnnxExportOptions { Int8 = true });
        var (input, shape, _, _) = Torch(detector, options, clips: 6, seed: 5);

        var (_, reference) = OnnxRun.Network(fp32, input, shape);
        var (_, quantized) = OnnxRun.Network(int8, input, shape);
        double diff = TensorDifference.MaxAbs(quantized, reference);
        var ops = OnnxGraphInspection.OperatorCounts(int8);
        output.WriteLine($"int8 vs float32 P(fake) max |diff| {diff:E2}; int8 graph ops: {string.Join(", ", ops.OrderBy(o => o.Key).Select(o => $"{o.Key} {o.Value}"))}");
        // Per block: packed qkv, out_proj, c_fc, c_proj, down, two cross-attention projection groups, two out_proj, up.
        Assert.Equal(options.Layers * 10, ops.GetValueOrDefault("MatMulInteger"));
        Assert.Equal(ops.GetValueOrDefault("MatMulInteger"), ops.GetValueOrDefault("DynamicQuantizeLinear"));
        // Float MatMuls left: the head, and q·kᵀ and weights·v of the three attentions of each block.
        Assert.Equal(1 + options.Layers * 6, ops.GetValueOrDefault("MatMul"));
        long fp32Bytes = new FileInfo(fp32).Length, int8Bytes = new FileInfo(int8).Length;
        output.WriteLine($"files: float32 {fp32Bytes:N0} bytes, int8 {int8Bytes:N0} bytes");
        // Linear weights are most of the tiny network but not all (embeddings, convolutions, LayerNorm and biases stay float).
        Assert.True(int8Bytes < fp32Bytes * 0.6, "the int8 file is not much smaller than the float32 one");
        Assert.True(diff <= 0.05, $"int8 moved P(fake) by {diff:F4}");
    }

    [Fact]
    public void ExportLeavesTheDetectorUnchangedAndWritesTheMetadata()
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "sta.onnx");
        using var detector = TestNetworks.RandomTiny(seed: 3);
        var before = detector.state_dict().ToDictionary(e => e.Key, e => e.Value.clone());
        StaOnnxExporter.Export(detector, path, new StaOnnxExportOptions { Int8 = true });
        foreach (var (key, value) in detector.state_dict())
            Assert.True(value.allclose(before[key], rtol: 0, atol: 0), $"export changed {key}");
        foreach (var value in before.Values) value.Dispose();
        using var model = StaOnnxModel.Load(path, intraOpThreads: 1);
        Assert.Equal(8, model.FramesPerClip);
        Assert.Equal(32, model.InputResolution);
        Assert.True(model.IsInt8);
        Assert.Equal("2", model.Metadata["sta.layers"]);
        Assert.Equal("per-clip", model.Metadata["sta.batch_semantics"]);
    }

    [Fact]
    public void FilesThatAreNotStaNetworksAreRejectedWithTypedErrors()
    {
        using var folder = new TemporaryFolder();
        var garbage = Path.Combine(folder.Path, "garbage.onnx");
        File.WriteAllBytes(garbage, [1, 2, 3, 4, 5, 6, 7, 8]);
        var error = Assert.Throws<StaOnnxModelException>(() => StaOnnxModel.Load(garbage, 1));
        output.WriteLine(error.Message);
        Assert.Throws<FileNotFoundException>(() => StaOnnxModel.Load(Path.Combine(folder.Path, "missing.onnx"), 1));

        // A valid ONNX graph with other inputs and outputs.
        var other = Path.Combine(folder.Path, "other.onnx");
        OnnxGraphInspection.WriteIdentityModel(other, "x", [1, 4]);
        error = Assert.Throws<StaOnnxModelException>(() => StaOnnxModel.Load(other, 1));
        output.WriteLine(error.Message);
        Assert.Contains("not a StA network", error.Message);

        // A StA network whose clips do not fit the front end it is asked to work with, and clips that are not clips.
        var tiny = Path.Combine(folder.Path, "tiny.onnx");
        using (var detector = TestNetworks.RandomTiny(seed: 3)) StaOnnxExporter.Export(detector, tiny);
        using var model = StaOnnxModel.Load(tiny, 1);
        var mismatch = Assert.Throws<StaOnnxModelException>(() => model.CreateVideoScorer(new global::Sta.MLNet.VideoScoringOptions()));
        output.WriteLine(mismatch.Message);
        Assert.Throws<ArgumentException>(() => model.ScoreClip(new float[10]));
        var clip = new float[model.ClipLength];
        clip[17] = float.NaN;
        Assert.Throws<InvalidDataException>(() => model.ScoreClip(clip));
        clip[17] = 0;
        var (score, probability) = model.ScoreClip(clip);
        Assert.True(float.IsFinite(score) && probability is >= 0 and <= 1);
    }

    private static (float[] Input, long[] Shape, float[] Logits, float[] Probability) Torch(StaDetector detector, StaNetworkOptions options, int clips, int seed)
    {
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        var input = TestNetworks.RandomClips(clips, options, seed);
        using var result = detector.forward(input);
        return (input.data<float>().ToArray(), input.shape, result.Logits.data<float>().ToArray(), result.Probability.data<float>().ToArray());
    }
}

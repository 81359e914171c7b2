using Sta.MLNet;
using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet.Tests.Network;

public class NetworkPropertyTests
{
    [Fact]
    public void TheSeedAloneDecidesTheInitialWeights()
    {
        static float[] Weights(long seed)
        {
            using var detector = new StaDetector(StaPresets.Tiny, seed: seed);
            return TestNetworks.FlatParameters(detector);
        }
        var first = Weights(9);
        Assert.Equal(first, Weights(9));
        Assert.NotEqual(first, Weights(10));
        // Not a degenerate draw: the class embedding (first parameter) is scaled normal noise, not zeros.
        Assert.Contains(first.Take(StaPresets.Tiny.Width), v => v != 0);
    }

    [Fact]
    public void AdaptersAreExactIdentitiesAtInitialisation()
    {
        using var detector = new StaDetector(StaPresets.Tiny, seed: 3);
        detector.eval();
        using var tap = new ActivationTap();
        detector.AttachTap(tap);
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        using var _ = detector.forward(TestNetworks.RandomClips(2, StaPresets.Tiny, 11));
        for (int i = 0; i < StaPresets.Tiny.Layers; i++)
            Assert.True(TensorCompare.Identical(tap.Recorded[$"block[{i}].adapter.in"], tap.Recorded[$"block[{i}].adapter.out"]), $"adapter {i} is not an identity");
    }

    [Fact]
    public void LiteralSemanticsMixesClipsAndPerClipDoesNot()
    {
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        var clips = TestNetworks.RandomClips(2, StaPresets.Tiny, 21);
        var changed = clips.clone();
        changed[1].AddInPlace(1.0); // only clip 1 changes

        float ClipZeroChange(CrossAttentionBatchSemantics semantics)
        {
            using var detector = TestNetworks.RandomTiny(semantics: semantics);
            using var a = detector.forward(clips);
            using var b = detector.forward(changed);
            return (a.Logits[0] - b.Logits[0]).abs().max().item<float>();
        }

        Assert.Equal(0f, ClipZeroChange(CrossAttentionBatchSemantics.PerClip));
        Assert.True(ClipZeroChange(CrossAttentionBatchSemantics.Literal) > 1e-4f);
    }

    [Theory]
    [InlineData(CrossAttentionBatchSemantics.PerClip)]
    [InlineData(CrossAttentionBatchSemantics.Literal)]
    public void ABatchOfOneIsTheSameUnderBothSemanticsAndPerClipBatchesEqualSingleClips(CrossAttentionBatchSemantics semantics)
    {
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        using var perClip = TestNetworks.RandomTiny(semantics: CrossAttentionBatchSemantics.PerClip);
        using var other = TestNetworks.RandomTiny(semantics: semantics);
        var clips = TestNetworks.RandomClips(3, StaPresets.Tiny, 5);
        using var batched = perClip.forward(clips);
        for (int i = 0; i < 3; i++)
        {
            using var single = other.forward(clips.narrow(0, i, 1));
            var diff = (single.Logits[0] - batched.Logits[i]).abs().max().item<float>();
            Assert.True(diff < 1e-5f, $"clip {i}: {diff}");
        }
    }

    [Fact]
    public void FusedAttentionAgreesWithExplicitAttention()
    {
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        using var explicitNet = TestNetworks.RandomTiny(kernel: AttentionKernel.Explicit);
        using var fusedNet = TestNetworks.RandomTiny(kernel: AttentionKernel.Fused);
        var clips = TestNetworks.RandomClips(2, StaPresets.Tiny, 9);
        using var a = explicitNet.forward(clips);
        using var b = fusedNet.forward(clips);
        Assert.True((a.Logits - b.Logits).abs().max().item<float>() < 1e-4f);
        Assert.True((a.Features - b.Features).abs().max().item<float>() < 1e-4f);
    }

    [Fact]
    public void ProbabilityIsTheSoftmaxOfTheFakeLogit()
    {
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        using var detector = TestNetworks.RandomTiny();
        using var output = detector.forward(TestNetworks.RandomClips(4, StaPresets.Tiny, 1));
        var logits = output.Logits.data<float>().ToArray();
        var prob = output.Probability.data<float>().ToArray();
        for (int i = 0; i < 4; i++)
            Assert.Equal(1 / (1 + Math.Exp(-(logits[2 * i + 1] - logits[2 * i]))), prob[i], 5);
        Assert.Equal([4L, StaPresets.Tiny.Width, StaPresets.Tiny.NumFrames, 1, 1], output.Features.shape);
    }

    [Fact]
    public void WrongInputShapeIsRejectedWithTheExpectedShape()
    {
        using var detector = new StaDetector(StaPresets.Tiny);
        using var wrong = zeros([1, 4, 3, 32, 32]);
        var error = Assert.Throws<ArgumentException>(() => detector.forward(wrong));
        Assert.Contains("[B, 8, 3, 32, 32]", error.Message);
    }

    [Fact]
    public void AdapterTuningTrainsExactlyTheSpecsParameterSet()
    {
        using var detector = new StaDetector(StaPresets.Official, torch.META);
        Assert.Equal(46_625_794, StaParameterGroups.Apply(detector, StaTuningMode.AdapterTuning));
        Assert.Equal(177_215_488, detector.parameters().Where(p => !p.requires_grad).Sum(p => p.numel()));
        Assert.Equal(223_841_282, StaParameterGroups.Apply(detector, StaTuningMode.FullFineTuning));
    }

    [Fact]
    public void InvalidOptionsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new StaDetector(StaPresets.Tiny with { InputResolution = 30 }, torch.META));
        Assert.Throws<ArgumentException>(() => new StaDetector(StaPresets.Tiny with { Heads = 5 }, torch.META));
        Assert.Throws<ArgumentException>(() => new StaDetector(StaPresets.Tiny with { SpatialKernels = [3, 4, 5] }, torch.META));
        Assert.Throws<ArgumentException>(() => StaPresets.ByName("vit-huge"));
    }
}

public class PrecisionTests
{
    [Fact]
    public void MixedPrecisionTrainsFloat32WeightsThroughBFloat16Activations()
    {
        using var scope = NewDisposeScope();
        using var reference = TestNetworks.RandomTiny(seed: 13);
        using var mixed = TestNetworks.RandomTiny(seed: 13);
        mixed.ComputeType = ScalarType.BFloat16;
        var clips = TestNetworks.RandomClips(2, StaPresets.Tiny, 4);
        using (no_grad())
        {
            using var a = reference.forward(clips);
            using var b = mixed.forward(clips);
            Assert.True((a.Probability - b.Probability).abs().max().item<float>() < 0.05f);
        }
        StaParameterGroups.Apply(mixed, StaTuningMode.AdapterTuning);
        mixed.train();
        using var output = mixed.forward(clips);
        var loss = nn.functional.cross_entropy(output.Logits, tensor(new long[] { 0, 1 }));
        loss.backward();
        var up = mixed.named_parameters().First(p => p.name.EndsWith("resblocks.0.Adapter.up.weight")).parameter;
        Assert.Equal(ScalarType.Float32, up.dtype);
        Assert.NotNull(up.grad);
        Assert.Equal(ScalarType.Float32, up.grad!.dtype);
        Assert.True(up.grad.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Softmax_of_bf16_scores_is_the_float32_softmax_rounded_and_keeps_the_float32_backward_in_training()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(21);
        var scores = randn([3, 257, 257], generator: g).Multiply(4).to_type(ScalarType.BFloat16);
        using (no_grad())
        {
            var fast = ReducedPrecision.Softmax(scores);
            var reference = scores.softmax(-1, ScalarType.Float32).to_type(ScalarType.BFloat16);
            Assert.Equal(ScalarType.BFloat16, fast.dtype);
            // libtorch computes in float32 and rounds once: the same bits except, rarely, one bf16 unit.
            var a = fast.to_type(ScalarType.Float32);
            var b = reference.to_type(ScalarType.Float32);
            Assert.True((a - b).abs().le(b.abs().Multiply(1.0 / 128).Add(1e-30)).all().item<bool>());
            Assert.True(a.ne(b).sum().item<long>() <= a.numel() / 10000);
        }
        // With gradients the float32 form is used, so the backward equals autocast-style float32 softmax exactly.
        var x1 = scores.detach().requires_grad_(true);
        var x2 = scores.detach().requires_grad_(true);
        var upstream = randn([3, 257, 257], generator: g).to_type(ScalarType.BFloat16);
        var g1 = torch.autograd.grad([ReducedPrecision.Softmax(x1)], [x1], [upstream])[0];
        var g2 = torch.autograd.grad([x2.softmax(-1, ScalarType.Float32).to_type(ScalarType.BFloat16)], [x2], [upstream])[0];
        Assert.Equal(0L, g1.to_type(ScalarType.Float32).ne(g2.to_type(ScalarType.Float32)).sum().item<long>());
    }

    [Fact]
    public void LayerNorm_of_bf16_activations_without_gradients_agrees_with_the_cast_form()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(22);
        using var norm = new Fp32LayerNorm(64, 1e-5);
        using (no_grad())
        {
            norm.parameters().First().copy_(rand([64], generator: g).Add(0.5));
            norm.parameters().Last().copy_(randn([64], generator: g).Multiply(0.1));
        }
        var input = randn([50, 8, 64], generator: g).Multiply(3).Add(1).to_type(ScalarType.BFloat16);
        Tensor fast;
        using (no_grad()) fast = norm.forward(input);
        // With gradients enabled (the weights require grad) the float32 cast form runs.
        var cast = norm.forward(input).detach();
        Assert.Equal(ScalarType.BFloat16, fast.dtype);
        var a = fast.to_type(ScalarType.Float32);
        var b = cast.to_type(ScalarType.Float32);
        // Both accumulate in float32 and round once; they may differ by one bf16 unit (2^-8 relative) in rare elements.
        Assert.True((a - b).abs().le(b.abs().Multiply(1.0 / 128).Add(1e-6)).all().item<bool>());
        Assert.True(a.ne(b).sum().item<long>() < a.numel() / 100);
    }

    [Fact]
    public void BFloat16InferenceStaysCloseToFloat32()
    {
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        using var reference = TestNetworks.RandomTiny(seed: 12);
        using var reduced = TestNetworks.RandomTiny(seed: 12);
        StaPrecision.UseBFloat16ForInference(reduced);
        Assert.Equal(ScalarType.BFloat16, StaPrecision.ComputeType(reduced));
        var clips = TestNetworks.RandomClips(2, StaPresets.Tiny, 3);
        using var a = reference.forward(clips);
        using var b = reduced.forward(clips);
        Assert.Equal(ScalarType.Float32, b.Logits.dtype);
        var diff = (a.Probability - b.Probability).abs().max().item<float>();
        Assert.True(diff < 0.05f, $"bf16 probability differs by {diff}");
    }
}

using Sta.MLNet.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet.Tests.Model;

public class NetworkPropertyTests
{
    [Fact]
    public void AdaptersAreExactIdentitiesAtInitialisation()
    {
        torch.manual_seed(3);
        using var detector = new StaDetector(StaPresets.Tiny);
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
        changed[1].add_(1.0); // only clip 1 changes

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

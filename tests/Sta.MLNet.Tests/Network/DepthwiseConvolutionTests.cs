using Sta.MLNet;
using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet.Tests.Network;

/// <summary>
/// The planar (Conv2d) and channels-last forms of the depthwise stacks must be the official Conv3d arithmetic in every
/// respect training touches: outputs, gradients of the input and of every weight, and BatchNorm running statistics. Compared in float64,
/// so that summation order cannot hide a structural difference (some of these gradients are exactly zero in exact
/// arithmetic — a convolution bias in front of a training-mode BatchNorm — and pure rounding noise in float32).
/// </summary>
public class DepthwiseConvolutionTests
{
    [Theory]
    [InlineData(1, 3, 3)]
    [InlineData(1, 5, 5)]
    [InlineData(3, 1, 1)]
    [InlineData(7, 1, 1)]
    public void Every_form_of_the_stacks_agrees_with_the_official_one_in_training_and_inference(long kt, long kh, long kw)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(11);
        // Odd sizes so that a transposed axis cannot go unnoticed: B = 2, C = 6, T = 5, H = 4, W = 3.
        var input = randn([2, 6, 5, 4, 3], ScalarType.Float64, generator: g);
        var results = new Dictionary<DepthwiseConvolution, (Tensor Output, Tensor InputGrad, Dictionary<string, Tensor> Grads, Dictionary<string, Tensor> State, Tensor Eval)>();
        foreach (var mode in new[] { DepthwiseConvolution.Volumetric, DepthwiseConvolution.Planar, DepthwiseConvolution.ChannelsLast })
        {
            using var stack = new DepthwiseConv3dStack(6, (kt, kh, kw), 1e-5, 0.1);
            stack.to(ScalarType.Float64);
            using var init = new Generator(5);
            using (no_grad())
                foreach (var (_, p) in stack.named_parameters()) p.copy_(randn(p.shape, ScalarType.Float64, generator: init).Multiply(0.5));
            stack.Convolution = mode;
            stack.train();
            var x = input.clone().requires_grad_(true);
            var output = stack.forward(x);
            (output * output).sum().backward();
            var grads = stack.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());
            var state = stack.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());
            stack.eval();
            Tensor eval;
            using (no_grad()) eval = stack.forward(input);
            results[mode] = (output.detach(), x.grad!.clone(), grads, state, eval);
        }
        var a = results[DepthwiseConvolution.Volumetric];
        foreach (var mode in new[] { DepthwiseConvolution.Planar, DepthwiseConvolution.ChannelsLast })
        {
            var b = results[mode];
            AssertClose(a.Output, b.Output, $"{mode}: training output");
            AssertClose(a.InputGrad, b.InputGrad, $"{mode}: input gradient");
            foreach (var (name, grad) in a.Grads) AssertClose(grad, b.Grads[name], $"{mode}: gradient of {name}");
            foreach (var (name, value) in a.State)
            {
                if (value.dtype == ScalarType.Int64) Assert.Equal(value.item<long>(), b.State[name].item<long>());
                else AssertClose(value, b.State[name], $"{mode}: {name}");
            }
            AssertClose(a.Eval, b.Eval, $"{mode}: inference output");
        }
        Assert.Equal(1, a.State["bn1.num_batches_tracked"].item<long>());
    }

    [Fact]
    public void The_detector_setting_reaches_every_stack_and_auto_leaves_cpu_scores_unchanged()
    {
        using var scope = NewDisposeScope();
        using var detector = TestNetworks.RandomTiny();
        using var g = new Generator(3);
        using var input = randn([2, detector.Options.NumFrames, 3, detector.Options.InputResolution, detector.Options.InputResolution], generator: g);
        using var guard = no_grad();
        var logits = new Dictionary<DepthwiseConvolution, Tensor>();
        foreach (var mode in Enum.GetValues<DepthwiseConvolution>())
        {
            detector.DepthwiseConvolution = mode;
            Assert.All(detector.named_modules().Select(m => m.module).OfType<DepthwiseConv3dStack>(), s => Assert.Equal(mode, s.Convolution));
            logits[mode] = detector.forward(input).Logits;
        }
        AssertClose(logits[DepthwiseConvolution.Volumetric], logits[DepthwiseConvolution.Planar], "logits", tolerance: 1e-5);
        AssertClose(logits[DepthwiseConvolution.Volumetric], logits[DepthwiseConvolution.ChannelsLast], "logits", tolerance: 1e-5);
        // Auto is the channels-last form on the CPU: the same kernels, so the same bits.
        Assert.True(logits[DepthwiseConvolution.Auto].eq(logits[DepthwiseConvolution.ChannelsLast]).all().item<bool>());
    }

    private static void AssertClose(Tensor expected, Tensor actual, string what, double tolerance = 1e-9)
    {
        using var scope = NewDisposeScope();
        Assert.Equal(expected.shape, actual.shape);
        using var e = expected.to_type(ScalarType.Float64);
        using var a = actual.to_type(ScalarType.Float64);
        double scale = Math.Max(1.0, e.abs().max().item<double>());
        double diff = (e - a).abs().max().item<double>();
        Assert.True(diff <= tolerance * scale, $"{what}: max |diff| {diff:E3} (scale {scale:G3})");
    }
}

public class VolumeLayoutTests
{
    [Fact]
    public void Tokens_become_a_channels_last_volume_with_the_official_volumes_values()
    {
        using var scope = NewDisposeScope();
        // [N = H*W, B*T, E] with B = 2, T = 3, H = W = 3 (N = 9), E = 5: distinct sizes, so a swapped axis shows.
        using var tokens = tensor(Enumerable.Range(0, 9 * 6 * 5).Select(i => (float)i).ToArray()).reshape(9, 6, 5);
        using var official = tokens.permute(1, 2, 0).reshape(2, 3, 5, 3, 3).permute(0, 2, 1, 3, 4).contiguous();
        using var channelsLast = VolumeLayout.ChannelsLastFromTokens(tokens, clips: 2, frames: 3, grid: 3);
        Assert.Equal(official.shape, channelsLast.shape);
        Assert.True(official.eq(channelsLast).all().item<bool>());
        Assert.True(VolumeLayout.IsChannelsLast(channelsLast));
        Assert.False(VolumeLayout.IsChannelsLast(official));
        using var converted = VolumeLayout.ToChannelsLast(official);
        Assert.True(VolumeLayout.IsChannelsLast(converted) && converted.eq(official).all().item<bool>());
        Assert.Same(channelsLast, VolumeLayout.ToChannelsLast(channelsLast));
    }
}

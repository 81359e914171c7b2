using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// PyTorch's default initialisation of the layers this network uses, drawn from a generator the caller owns instead of
/// libtorch's process-wide one: a network built with a seed has the same weights whatever other threads draw, and the
/// same as PyTorch's after <c>torch.manual_seed(seed)</c> when the modules are visited in their construction order
/// (libtorch's initialisers are uniform/normal draws with these bounds). Values are drawn on the host, so a seed gives
/// the same weights on every device.
/// </summary>
internal static class DefaultInitialization
{
    /// <summary>nn.Linear: weight kaiming-uniform with a = √5 (bound 1/√fan_in), bias uniform ±1/√fan_in.</summary>
    public static void Linear(Linear layer, Generator generator)
    {
        KaimingUniform(layer.weight!, generator);
        if (layer.bias is { } bias) Uniform(bias, 1 / Math.Sqrt(layer.weight!.shape[1]), generator);
    }

    /// <summary>nn.Conv2d/Conv3d: like Linear with fan_in = in_channels / groups × kernel volume.</summary>
    public static void Convolution(Tensor weight, Tensor? bias, Generator generator)
    {
        KaimingUniform(weight, generator);
        if (bias is not null) Uniform(bias, 1 / Math.Sqrt(FanIn(weight)), generator);
    }

    /// <summary>Xavier/Glorot uniform with gain 1 (nn.MultiheadAttention's packed projection).</summary>
    public static void XavierUniform(Tensor weight, Generator generator)
    {
        long receptive = weight.shape.Skip(2).Aggregate(1L, (a, b) => a * b);
        double fanIn = weight.shape[1] * receptive, fanOut = weight.shape[0] * receptive;
        double std = Math.Sqrt(2.0 / (fanIn + fanOut));
        Uniform(weight, Math.Sqrt(3.0) * std, generator);
    }

    /// <summary>Standard normal draws times <paramref name="scale"/> (CLIP's class and positional embeddings).</summary>
    public static void ScaledNormal(Tensor target, double scale, Generator generator)
    {
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        var drawn = empty(target.shape, ScalarType.Float32).normal_(0, 1, generator).MultiplyInPlace(scale);
        target.copy_(drawn);
    }

    public static void Zeros(Tensor target)
    {
        using var guard = no_grad();
        target.zero_();
    }

    private static void KaimingUniform(Tensor weight, Generator generator)
    {
        // libtorch's kaiming_uniform_ with a = √5 and leaky-ReLU gain, computed in the same order so the bound is bit-equal.
        double a = Math.Sqrt(5);
        double gain = Math.Sqrt(2.0 / (1 + Math.Pow(a, 2)));
        double std = gain / Math.Sqrt(FanIn(weight));
        Uniform(weight, Math.Sqrt(3.0) * std, generator);
    }

    private static double FanIn(Tensor weight) => weight.shape[1] * weight.shape.Skip(2).Aggregate(1L, (a, b) => a * b);

    private static void Uniform(Tensor target, double bound, Generator generator)
    {
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        var drawn = empty(target.shape, ScalarType.Float32).uniform_(-bound, bound, generator);
        target.copy_(drawn);
    }
}

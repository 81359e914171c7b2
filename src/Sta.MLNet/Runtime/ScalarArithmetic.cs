using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// Tensor arithmetic with numbers whose native Scalars stay alive for the whole libtorch call. TorchSharp 0.107 passes
/// a Scalar to native code as a raw handle and keeps no reference to it, so a Scalar made by an implicit conversion
/// (<c>t * 1.702</c>, and <c>a + b</c>, which is <c>add(b, 1)</c>) can be finalized by the GC while libtorch reads it:
/// a crash, or worse a silently wrong value. This is the only type in the library that creates Scalars; everything
/// else calls these methods (docs/reliability.md, "Native handles"; a test over the compiled library enforces it).
/// Each method also keeps its tensor operands reachable until libtorch has returned.
/// </summary>
internal static class ScalarArithmetic
{
    // Process-lifetime Scalars for the constants every forward pass uses; reading a c10::Scalar from several threads is safe.
    private static readonly Scalar IntegerOne = 1L.ToScalar();

    /// <summary><paramref name="left"/> + <paramref name="right"/> (broadcasting), what the <c>+</c> operator computes.</summary>
    public static Tensor Add(this Tensor left, Tensor right)
    {
        var sum = left.add(right, IntegerOne);
        GC.KeepAlive(left);
        GC.KeepAlive(right);
        return sum;
    }

    /// <summary><paramref name="left"/> + <paramref name="alpha"/> · <paramref name="right"/>.</summary>
    public static Tensor Add(this Tensor left, Tensor right, double alpha)
    {
        using var scale = alpha.ToScalar();
        var sum = left.add(right, scale);
        GC.KeepAlive(left);
        GC.KeepAlive(right);
        return sum;
    }

    /// <summary><paramref name="tensor"/> + <paramref name="value"/>, element-wise.</summary>
    public static Tensor Add(this Tensor tensor, double value)
    {
        using var addend = value.ToScalar();
        var sum = tensor.add(addend, IntegerOne);
        GC.KeepAlive(tensor);
        return sum;
    }

    /// <summary>Adds <paramref name="value"/> to every element in place; returns <paramref name="tensor"/>.</summary>
    public static Tensor AddInPlace(this Tensor tensor, double value)
    {
        using var addend = value.ToScalar();
        return tensor.add_(addend, IntegerOne);
    }

    /// <summary>Adds one to an integer counter in place (a BatchNorm's batch count); returns <paramref name="counter"/>.</summary>
    public static Tensor IncrementInPlace(this Tensor counter) => counter.add_(IntegerOne, IntegerOne);

    /// <summary><paramref name="left"/> − <paramref name="right"/> (broadcasting), what the <c>-</c> operator computes.</summary>
    public static Tensor Subtract(this Tensor left, Tensor right)
    {
        var difference = left.sub(right);
        GC.KeepAlive(left);
        GC.KeepAlive(right);
        return difference;
    }

    /// <summary><paramref name="tensor"/> · <paramref name="factor"/>, element-wise.</summary>
    public static Tensor Multiply(this Tensor tensor, double factor)
    {
        using var scale = factor.ToScalar();
        var product = tensor.mul(scale);
        GC.KeepAlive(tensor);
        return product;
    }

    /// <summary>Multiplies every element by <paramref name="factor"/> in place; returns <paramref name="tensor"/>.</summary>
    public static Tensor MultiplyInPlace(this Tensor tensor, double factor)
    {
        using var scale = factor.ToScalar();
        return tensor.mul_(scale);
    }

    /// <summary><paramref name="tensor"/> / <paramref name="divisor"/>, element-wise (true division).</summary>
    public static Tensor Divide(this Tensor tensor, double divisor)
    {
        using var scale = divisor.ToScalar();
        var quotient = tensor.div(scale);
        GC.KeepAlive(tensor);
        return quotient;
    }

    /// <summary>Boolean mask of the elements ≥ <paramref name="threshold"/>.</summary>
    public static Tensor GreaterOrEqual(this Tensor tensor, double threshold)
    {
        using var bound = threshold.ToScalar();
        var mask = tensor.ge(bound);
        GC.KeepAlive(tensor);
        return mask;
    }

    /// <summary>In place: <paramref name="tensor"/> += <paramref name="weight"/> · (<paramref name="end"/> − <paramref name="tensor"/>).</summary>
    public static Tensor LerpInPlace(this Tensor tensor, Tensor end, double weight)
    {
        // TorchSharp's lerp_ takes the weight as a tensor: a 0-dim float64 host tensor, which libtorch accepts on any device.
        using var w = torch.tensor(weight);
        var result = tensor.lerp_(end, w);
        GC.KeepAlive(end);
        return result;
    }

    /// <summary>In place: <paramref name="tensor"/> += <paramref name="value"/> · <paramref name="first"/> · <paramref name="second"/>.</summary>
    public static Tensor AddProductInPlace(this Tensor tensor, Tensor first, Tensor second, double value)
    {
        using var scale = value.ToScalar();
        var result = tensor.addcmul_(first, second, scale);
        GC.KeepAlive(first);
        GC.KeepAlive(second);
        return result;
    }

    /// <summary>In place: <paramref name="tensor"/> += <paramref name="value"/> · <paramref name="numerator"/> / <paramref name="denominator"/>.</summary>
    public static Tensor AddQuotientInPlace(this Tensor tensor, Tensor numerator, Tensor denominator, double value)
    {
        using var scale = value.ToScalar();
        var result = tensor.addcdiv_(numerator, denominator, scale);
        GC.KeepAlive(numerator);
        GC.KeepAlive(denominator);
        return result;
    }
}

using static TorchSharp.torch;

namespace Sta.MLNet.Tests.Network;

internal static class TensorCompare
{
    /// <summary>Same shape, dtype and every element bit-equal (NaN never equal).</summary>
    public static bool Identical(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && a.eq(b).all().item<bool>();
    }
}

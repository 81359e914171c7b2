using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// Result of a forward pass. <see cref="Logits"/> [B, 2] (column 0 = real, 1 = fake); <see cref="Probability"/> [B] =
/// softmax(logits)[:, 1] = P(fake); <see cref="Features"/> [B, Width, T, 1, 1] (per-frame class tokens before the head).
/// The caller owns the tensors.
/// </summary>
public sealed record StaOutput(Tensor Logits, Tensor Probability, Tensor Features) : IDisposable
{
    /// <summary>Disposes the three tensors.</summary>
    public void Dispose()
    {
        Logits.Dispose();
        Probability.Dispose();
        Features.Dispose();
    }
}

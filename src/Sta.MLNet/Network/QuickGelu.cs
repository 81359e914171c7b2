using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>CLIP's activation z·σ(1.702 z). Using exact GELU instead moves logits by ~3e-3 (fixture sensitivity table).</summary>
internal sealed class QuickGelu : nn.Module<Tensor, Tensor>
{
    public QuickGelu() : base(nameof(QuickGelu)) { }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return input.mul(sigmoid(input.Multiply(1.702))).MoveToOuterDisposeScope();
    }
}

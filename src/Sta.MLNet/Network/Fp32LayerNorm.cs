using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// LayerNorm computed in float32 and cast back to the input dtype, as CLIP's LayerNorm subclass does, so that bf16/fp16
/// autocast never normalises in reduced precision. Parameters are named <c>weight</c> and <c>bias</c>.
/// </summary>
internal sealed class Fp32LayerNorm : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // PyTorch attribute names: they are the state_dict keys.
    private readonly Parameter weight;
    private readonly Parameter bias;
#pragma warning restore IDE1006
    private readonly long[] _shape;
    private readonly double _epsilon;

    public Fp32LayerNorm(int width, double epsilon, Device? device = null) : base(nameof(Fp32LayerNorm))
    {
        _shape = [width];
        _epsilon = epsilon;
        weight = new Parameter(ones(width, dtype: float32, device: device));
        bias = new Parameter(zeros(width, dtype: float32, device: device));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        // A bf16 input with float32 weights and no gradients takes libtorch's mixed-dtype kernel, which computes in
        // float32 inside (see ReducedPrecision).
        if (input.dtype == ScalarType.Float32 || weight.dtype == ScalarType.Float32 && !ReducedPrecision.Differentiable(input, weight, bias))
            return nn.functional.layer_norm(input, _shape, weight, bias, _epsilon);
        using var scope = NewDisposeScope();
        var normalised = nn.functional.layer_norm(input.to_type(ScalarType.Float32), _shape,
            weight.to_type(ScalarType.Float32), bias.to_type(ScalarType.Float32), _epsilon);
        return normalised.to_type(input.dtype).MoveToOuterDisposeScope();
    }
}

using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// The float32 parts of mixed precision (softmax, LayerNorm) without float32 copies of bf16 activations where nothing
/// is differentiated. libtorch's softmax and LayerNorm kernels take bf16 input, accumulate in float32 and round once, so
/// they give the bits of the float32 op + cast except, in rare elements, one bf16 unit (checked in the tests). They skip materialising float32 scores [heads, 2048, 2048] per cross-attention and two casts per
/// LayerNorm (on the CPU: softmax 5x, LayerNorm 4x faster; <see cref="Fp32LayerNorm"/> uses the mixed-dtype kernel).
/// With gradients the float32 forms stay, because their backward uses unrounded float32 values, as autocast's does.
/// </summary>
internal static class ReducedPrecision
{
    /// <summary>True when autograd will differentiate through an op on these tensors.</summary>
    public static bool Differentiable(params Tensor[] tensors) => is_grad_enabled() && tensors.Any(t => t.requires_grad);

    /// <summary>Softmax over the last axis; float32 arithmetic whatever the input dtype; output in the input dtype.</summary>
    public static Tensor Softmax(Tensor scores) =>
        scores.dtype == ScalarType.Float32 || !Differentiable(scores)
            ? scores.softmax(-1)
            : scores.softmax(-1, ScalarType.Float32).to_type(scores.dtype);
}

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// Mixed precision by hand (TorchSharp 0.107 has no autocast): layers run in the dtype of their input, casting their
/// float32 weights on the fly when the activations are bf16. Gradients flow through the cast back to the float32
/// weights, so the optimizer keeps full-precision master weights — what autocast does for matmuls and convolutions.
/// </summary>
internal static class ComputePrecision
{
    private static Tensor? As(Tensor? weight, ScalarType dtype) => weight is null || weight.dtype == dtype ? weight : weight.to_type(dtype);

    public static Tensor Linear(Linear layer, Tensor input)
    {
        if (layer.weight!.dtype == input.dtype) return layer.forward(input);
        return nn.functional.linear(Dense(input), As(layer.weight, input.dtype)!, As(layer.bias, input.dtype));
    }

    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias) =>
        nn.functional.linear(weight.dtype == input.dtype ? input : Dense(input), As(weight, input.dtype)!, As(bias, input.dtype));

    // libtorch's CPU bf16 matmul of a transposed activation (the cross-attention's per-clip token sequence is a
    // permuted view) with a freshly cast weight takes a reference path: 600 ms instead of 2 ms for [2048, 512] x
    // [512, 512]. A contiguous copy of the activation costs one pass over it, on any device.
    private static Tensor Dense(Tensor input) => input.dtype == ScalarType.Float32 || input.is_contiguous() ? input : input.contiguous();

    public static Tensor Conv3d(Conv3d layer, Tensor input, long[] padding, long groups) =>
        layer.weight!.dtype == input.dtype
            ? layer.forward(input)
            : nn.functional.conv3d(input, As(layer.weight, input.dtype)!, As(layer.bias, input.dtype), [1, 1, 1], padding, [1, 1, 1], groups);

    /// <summary>Depthwise-style conv2d with stride 1 from raw weights (which may be views of Conv3d weights).</summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, long[] padding, long groups) =>
        nn.functional.conv2d(input, As(weight, input.dtype)!, As(bias, input.dtype), [1, 1], padding, [1, 1], groups);

    public static Tensor Conv2d(Conv2d layer, Tensor input, long patch) =>
        layer.weight!.dtype == input.dtype
            ? layer.forward(input)
            : nn.functional.conv2d(input, As(layer.weight, input.dtype)!, As(layer.bias, input.dtype), [patch, patch], [0, 0], [1, 1], 1);
}

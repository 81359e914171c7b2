using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sta.MLNet.Model;

/// <summary>
/// Mixed precision by hand (TorchSharp 0.107 has no autocast): layers run in the dtype of their input, casting their
/// float32 weights on the fly when the activations are bf16. Gradients flow through the cast back to the float32
/// weights, so the optimizer keeps full-precision master weights — what autocast does for matmuls and convolutions.
/// </summary>
internal static class ComputePrecision
{
    private static Tensor? As(Tensor? weight, ScalarType dtype) => weight is null || weight.dtype == dtype ? weight : weight.to_type(dtype);

    public static Tensor Linear(Linear layer, Tensor input) =>
        layer.weight!.dtype == input.dtype
            ? layer.forward(input)
            : nn.functional.linear(input, As(layer.weight, input.dtype)!, As(layer.bias, input.dtype));

    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias) =>
        nn.functional.linear(input, As(weight, input.dtype)!, As(bias, input.dtype));

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

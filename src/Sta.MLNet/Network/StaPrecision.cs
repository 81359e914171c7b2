using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// Reduced-precision inference. TorchSharp has no autocast, so we do what autocast does for this network by hand:
/// the matmul/convolution weights (Linear, Conv2d, Conv3d, attention projections) are cast to bfloat16, while
/// LayerNorm (computed in float32 anyway), BatchNorm statistics and the attention softmax stay in float32, and the
/// logits come back as float32. Meant for GPUs with bf16 tensor cores; on the CPU it is usually slower than fp32.
/// For inference only: do not train a converted detector (optimizer updates in bf16 lose small steps).
/// </summary>
internal static class StaPrecision
{
    public static void UseBFloat16ForInference(StaDetector detector)
    {
        foreach (var (_, module) in detector.named_modules())
        {
            switch (module)
            {
                case Linear or Conv2d or Conv3d:
                    module.to(ScalarType.BFloat16);
                    break;
                case PackedMultiheadAttention attention:
                    attention.to(ScalarType.BFloat16);
                    break;
            }
        }
        detector.ResetComputeType();
    }

    /// <summary>The dtype activations flow in (that of the patch-embedding weights).</summary>
    public static ScalarType ComputeType(StaDetector detector) =>
        detector.named_parameters().First(p => p.name == "backbone.conv1.weight").parameter.dtype;
}

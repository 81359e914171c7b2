using Sta.MLNet.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet.Tests.Model;

/// <summary>Small networks with every path active, for property tests.</summary>
internal static class TestNetworks
{
    /// <summary>
    /// A tiny detector whose adapters are NOT identities and whose BatchNorm statistics are non-trivial, so that the
    /// 3-D path and cross-attention influence the outputs. Deterministic for a seed.
    /// </summary>
    public static StaDetector RandomTiny(int seed = 7, CrossAttentionBatchSemantics semantics = CrossAttentionBatchSemantics.PerClip,
        AttentionKernel kernel = AttentionKernel.Explicit)
    {
        torch.manual_seed(seed);
        var detector = new StaDetector(StaPresets.Tiny with { BatchSemantics = semantics, AttentionKernel = kernel });
        using (no_grad())
        {
            foreach (var (name, tensor) in detector.state_dict())
            {
                if (tensor.dtype != ScalarType.Float32) continue;
                if (name.EndsWith("running_var")) tensor.uniform_(0.5, 1.5);
                else if (name.EndsWith("running_mean") || name.Contains(".bn") && name.EndsWith("bias")) tensor.normal_(0, 0.1);
                else if (name.Contains(".bn") && name.EndsWith("weight")) tensor.uniform_(0.5, 1.5);
                else if (name.Contains("Adapter.up.")) tensor.normal_(0, 0.2);
                else if (name.EndsWith("temporal_embedding")) tensor.normal_(0, 0.5);
            }
        }
        detector.eval();
        return detector;
    }

    public static Tensor RandomClips(int clips, StaNetworkOptions options, int seed)
    {
        var generator = new Generator((ulong)seed);
        return randn([clips, options.NumFrames, 3, options.InputResolution, options.InputResolution], generator: generator);
    }
}

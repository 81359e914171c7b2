using Microsoft.ML;
using Sta.MLNet;
using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet.Tests.Network;

/// <summary>Small networks with every path active, for property tests.</summary>
internal static class TestNetworks
{
    /// <summary>
    /// <see cref="RandomTiny"/> (seed 3) as a detection stage on the CPU with batches of 4: the network the video scoring
    /// and explanation tests score with, so that their numbers can be compared.
    /// </summary>
    public static StaDetectionTransformer RandomTinyStage() =>
        new(new MLContext(seed: 1), RandomTiny(seed: 3), new StaDetectionOptions { BatchSize = 4 }, CPU);

    /// <summary>
    /// A tiny detector whose adapters are NOT identities and whose BatchNorm statistics are non-trivial, so that the
    /// 3-D path and cross-attention influence the outputs. Deterministic for a seed.
    /// </summary>
    public static StaDetector RandomTiny(int seed = 7, CrossAttentionBatchSemantics semantics = CrossAttentionBatchSemantics.PerClip,
        AttentionKernel kernel = AttentionKernel.Explicit)
    {
        // Every tensor is re-drawn from a local generator: tests run in parallel and must not share libtorch's global one.
        var detector = new StaDetector(StaPresets.Tiny with { BatchSemantics = semantics, AttentionKernel = kernel });
        Randomize(detector, seed);
        return detector;
    }

    /// <summary>Re-draws every float tensor of <paramref name="detector"/> as <see cref="RandomTiny"/> does, for any options; eval mode.</summary>
    public static void Randomize(StaDetector detector, int seed)
    {
        // The generator is disposed at the end and every temporary is made inside a scope: libtorch reads both through raw
        // handles, and the GC could otherwise finalize them mid-call (docs/reliability.md, "Native handles").
        using var g = new Generator((ulong)seed);
        using (no_grad())
        {
            foreach (var (name, tensor) in detector.state_dict())
            {
                if (tensor.dtype != ScalarType.Float32) continue;
                using var scope = NewDisposeScope();
                var unit = rand(tensor.shape, generator: g);
                var normal = randn(tensor.shape, generator: g);
                if (name.EndsWith("running_var") || name.Contains(".bn") && name.EndsWith("weight") || name.Contains("ln_") && name.EndsWith("weight"))
                    tensor.copy_(unit.Add(0.5));
                else if (name.EndsWith("running_mean") || name.EndsWith("bias")) tensor.copy_(normal.Multiply(0.1));
                else if (name.Contains("Adapter.up.")) tensor.copy_(normal.Multiply(0.2));
                else if (name.EndsWith("temporal_embedding")) tensor.copy_(normal.Multiply(0.5));
                else
                {
                    long fanIn = tensor.dim() > 1 ? tensor.numel() / tensor.shape[0] : tensor.numel();
                    tensor.copy_(unit.Multiply(2).Add(-1).Divide(Math.Sqrt(fanIn)));
                }
            }
        }
        detector.eval();
    }

    /// <summary>Every parameter of <paramref name="detector"/>, flattened in registration order, as one array.</summary>
    public static float[] FlatParameters(StaDetector detector)
    {
        using var scope = NewDisposeScope();
        return cat(detector.parameters().Select(p => p.detach().reshape(-1)).ToArray()).data<float>().ToArray();
    }

    public static Tensor RandomClips(int clips, StaNetworkOptions options, int seed)
    {
        using var generator = new Generator((ulong)seed);
        return randn([clips, options.NumFrames, 3, options.InputResolution, options.InputResolution], generator: generator);
    }
}

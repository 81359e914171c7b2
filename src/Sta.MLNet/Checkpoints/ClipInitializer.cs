using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>What <see cref="ClipInitializer.Apply"/> did.</summary>
/// <param name="LoadedKeys">Backbone tensors overwritten with CLIP weights.</param>
/// <param name="IgnoredKeys">CLIP tensors StA does not use (<c>proj</c>, blocks beyond the network's depth).</param>
internal sealed record ClipInitializationReport(IReadOnlyList<string> LoadedKeys, IReadOnlyList<string> IgnoredKeys);

/// <summary>
/// Initialises a detector from CLIP the way the official (never-called) <c>init_weights</c> intends: the CLIP visual
/// weights go into the first <c>Layers</c> blocks and the embeddings/LayerNorms, CLIP's <c>proj</c> and deeper
/// blocks are ignored, and every adapter's <c>up</c> projection is zeroed so each adapter starts as an identity.
/// The temporal embedding keeps its zero initialisation; adapters and head keep their default initialisation.
/// </summary>
internal static class ClipInitializer
{
    public static ClipInitializationReport Apply(StaDetector detector, ClipVisualWeights clip)
    {
        var options = detector.Options;
        if (clip.BlockCount < options.Layers)
            throw new InvalidDataException($"{clip.Source} has {clip.BlockCount} CLIP blocks; the network needs {options.Layers}.");

        var target = detector.state_dict();
        var loaded = new List<string>();
        var ignored = new List<string>();
        var misShaped = new List<string>();
        var plan = new List<(Tensor Target, Tensor Source, string Key)>();
        foreach (var (key, tensor) in clip.Tensors.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            var parts = key.Split('.');
            bool deeperBlock = parts.Length > 2 && parts[0] == "transformer" && parts[1] == "resblocks" && int.Parse(parts[2]) >= options.Layers;
            if (key == "proj" || deeperBlock)
            {
                ignored.Add(key);
                continue;
            }
            var targetKey = "backbone." + key;
            if (!target.TryGetValue(targetKey, out var destination))
            {
                ignored.Add(key);
                continue;
            }
            if (!destination.shape.SequenceEqual(tensor.shape))
            {
                misShaped.Add($"{key}: CLIP [{string.Join(",", tensor.shape)}] vs network [{string.Join(",", destination.shape)}]");
                continue;
            }
            plan.Add((destination, tensor, key));
        }

        var expected = ExpectedClipKeys(options).ToHashSet(StringComparer.Ordinal);
        var missing = expected.Where(k => !clip.Tensors.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (missing.Count > 0 || misShaped.Count > 0)
            throw new CheckpointMismatchException(clip.Source, missing, [], misShaped);

        using (no_grad())
        {
            foreach (var (destination, source, key) in plan)
            {
                destination.copy_(source);
                loaded.Add(key);
            }
        }
        foreach (var block in detector.Backbone.Transformer.Blocks) block.StaAdapter.ZeroUpProjection();
        return new ClipInitializationReport(loaded, ignored);
    }

    /// <summary>The CLIP tensors the network takes (OpenAI names, without the <c>backbone.</c> prefix).</summary>
    public static IEnumerable<string> ExpectedClipKeys(StaNetworkOptions options)
    {
        yield return "class_embedding";
        yield return "positional_embedding";
        yield return "conv1.weight";
        yield return "ln_pre.weight";
        yield return "ln_pre.bias";
        for (int i = 0; i < options.Layers; i++)
        {
            foreach (var suffix in new[]
            {
                "ln_1.weight", "ln_1.bias", "attn.in_proj_weight", "attn.in_proj_bias", "attn.out_proj.weight",
                "attn.out_proj.bias", "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias",
                "mlp.c_proj.weight", "mlp.c_proj.bias",
            })
            {
                yield return $"transformer.resblocks.{i}.{suffix}";
            }
        }
        yield return "ln_post.weight";
        yield return "ln_post.bias";
    }
}

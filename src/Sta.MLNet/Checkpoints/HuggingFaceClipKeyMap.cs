using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// Renames Hugging Face CLIP vision weights to OpenAI's names. The correspondence is fixed by the two libraries'
/// model definitions: patch_embedding ↔ conv1, position_embedding.weight ↔ positional_embedding, pre_layrnorm (sic) ↔
/// ln_pre, layer_norm1/2 ↔ ln_1/2, mlp.fc1/fc2 ↔ mlp.c_fc/c_proj, self_attn.out_proj ↔ attn.out_proj,
/// post_layernorm ↔ ln_post; q/k/v projections are stacked row-wise into in_proj_weight/in_proj_bias.
/// HF's visual_projection (CLIP's <c>proj</c>, stored transposed) is dropped: StA does not use it.
/// </summary>
internal static class HuggingFaceClipKeyMap
{
    private static readonly Dictionary<string, string> Simple = new(StringComparer.Ordinal)
    {
        ["embeddings.class_embedding"] = "class_embedding",
        ["embeddings.patch_embedding.weight"] = "conv1.weight",
        ["embeddings.position_embedding.weight"] = "positional_embedding",
        ["pre_layrnorm.weight"] = "ln_pre.weight",
        ["pre_layrnorm.bias"] = "ln_pre.bias",
        ["post_layernorm.weight"] = "ln_post.weight",
        ["post_layernorm.bias"] = "ln_post.bias",
    };

    private static readonly Dictionary<string, string> PerLayer = new(StringComparer.Ordinal)
    {
        ["layer_norm1.weight"] = "ln_1.weight",
        ["layer_norm1.bias"] = "ln_1.bias",
        ["layer_norm2.weight"] = "ln_2.weight",
        ["layer_norm2.bias"] = "ln_2.bias",
        ["mlp.fc1.weight"] = "mlp.c_fc.weight",
        ["mlp.fc1.bias"] = "mlp.c_fc.bias",
        ["mlp.fc2.weight"] = "mlp.c_proj.weight",
        ["mlp.fc2.bias"] = "mlp.c_proj.bias",
        ["self_attn.out_proj.weight"] = "attn.out_proj.weight",
        ["self_attn.out_proj.bias"] = "attn.out_proj.bias",
    };

    public static Dictionary<string, Tensor> ToOpenAi(IReadOnlyDictionary<string, Tensor> stateDict, string source)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var projections = new Dictionary<(int Layer, string Kind, string Part), Tensor>();
        try
        {
            foreach (var (fullKey, tensor) in stateDict)
            {
                var index = fullKey.IndexOf("vision_model.", StringComparison.Ordinal);
                if (index < 0) continue; // text tower, logit scale, projections of a CLIPModel
                var key = fullKey[(index + "vision_model.".Length)..];
                if (key == "embeddings.position_ids") continue; // a buffer of indices, not a weight
                if (Simple.TryGetValue(key, out var simpleName))
                {
                    result[simpleName] = tensor.detach().clone();
                    continue;
                }
                const string layerPrefix = "encoder.layers.";
                if (!key.StartsWith(layerPrefix, StringComparison.Ordinal))
                    throw new InvalidDataException($"{source}: unrecognised Hugging Face CLIP vision key '{fullKey}'.");
                var rest = key[layerPrefix.Length..];
                var dot = rest.IndexOf('.');
                var layer = int.Parse(rest[..dot]);
                var inner = rest[(dot + 1)..];
                if (PerLayer.TryGetValue(inner, out var mapped))
                {
                    result[$"transformer.resblocks.{layer}.{mapped}"] = tensor.detach().clone();
                    continue;
                }
                var parts = inner.Split('.');
                if (parts.Length == 3 && parts[0] == "self_attn" && parts[1] is "q_proj" or "k_proj" or "v_proj")
                {
                    projections[(layer, parts[1], parts[2])] = tensor;
                    continue;
                }
                throw new InvalidDataException($"{source}: unrecognised Hugging Face CLIP vision key '{fullKey}'.");
            }

            foreach (var layer in projections.Keys.Select(k => k.Layer).Distinct())
            {
                foreach (var part in new[] { "weight", "bias" })
                {
                    var pieces = new[] { "q_proj", "k_proj", "v_proj" }.Select(kind =>
                        projections.TryGetValue((layer, kind, part), out var t) ? t
                            : throw new InvalidDataException($"{source}: layer {layer} lacks self_attn.{kind}.{part}.")).ToArray();
                    result[$"transformer.resblocks.{layer}.attn.in_proj_{part}"] = cat(pieces, 0);
                }
            }
            return result;
        }
        catch
        {
            foreach (var tensor in result.Values) tensor.Dispose();
            throw;
        }
    }
}

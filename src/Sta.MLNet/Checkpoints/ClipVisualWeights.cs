using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// CLIP visual-tower weights in OpenAI naming (<c>conv1.weight</c>, <c>class_embedding</c>,
/// <c>transformer.resblocks.{i}.attn.in_proj_weight</c>, …), whatever naming the file used. Accepts an OpenAI CLIP
/// visual state_dict, a whole OpenAI CLIP model (keys under <c>visual.</c>; text-tower keys are ignored), and Hugging
/// Face <c>CLIPVisionModel</c>/<c>CLIPModel</c> weights (<c>vision_model.…</c>; q/k/v projections are packed into
/// <c>in_proj</c>). Owns its tensors.
/// </summary>
internal sealed class ClipVisualWeights : IDisposable
{
    private ClipVisualWeights(Dictionary<string, Tensor> tensors, string source, ClipNaming naming)
    {
        Tensors = tensors;
        Source = source;
        Naming = naming;
    }

    /// <summary>OpenAI-named tensors of the visual tower.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors { get; }

    public string Source { get; }

    /// <summary>The naming scheme the file used.</summary>
    public ClipNaming Naming { get; }

    /// <summary>Number of residual blocks present (24 for ViT-L/14, 12 for ViT-B/16).</summary>
    public int BlockCount => Tensors.Keys
        .Where(k => k.StartsWith("transformer.resblocks.", StringComparison.Ordinal))
        .Select(k => int.Parse(k.Split('.')[2]))
        .DefaultIfEmpty(-1).Max() + 1;

    /// <summary>Reads a .pth (zip) or .safetensors file holding CLIP weights in either naming.</summary>
    public static ClipVisualWeights Load(string path)
    {
        var raw = StateDictFile.Load(path);
        try
        {
            return FromStateDict(raw, path);
        }
        finally
        {
            foreach (var tensor in raw.Values) tensor.Dispose();
        }
    }

    /// <summary>Converts an in-memory state_dict (which stays owned by the caller).</summary>
    public static ClipVisualWeights FromStateDict(IReadOnlyDictionary<string, Tensor> stateDict, string source)
    {
        // The copies are made inside a scope (no temporary can be finalized mid-call); the kept ones leave it.
        using var scope = NewDisposeScope();
        if (stateDict.Keys.Any(k => k.Contains("vision_model.", StringComparison.Ordinal)))
            return new ClipVisualWeights(Keep(HuggingFaceClipKeyMap.ToOpenAi(stateDict, source)), source, ClipNaming.HuggingFace);

        // OpenAI: a visual state_dict has keys at the root; a whole CLIP model has them under "visual.".
        bool nested = stateDict.Keys.Any(k => k.StartsWith("visual.", StringComparison.Ordinal));
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, tensor) in stateDict)
        {
            var name = key.StartsWith("module.", StringComparison.Ordinal) ? key["module.".Length..] : key;
            if (nested)
            {
                if (!name.StartsWith("visual.", StringComparison.Ordinal)) continue;
                name = name["visual.".Length..];
            }
            result[name] = tensor.detach().clone();
        }
        if (!result.ContainsKey("conv1.weight") || !result.ContainsKey("class_embedding"))
        {
            foreach (var tensor in result.Values) tensor.Dispose();
            throw new InvalidDataException(
                $"{source} does not look like CLIP visual weights: no conv1.weight/class_embedding (OpenAI naming) and no vision_model.* keys (Hugging Face naming).");
        }
        return new ClipVisualWeights(Keep(result), source, ClipNaming.OpenAi);
    }

    private static Dictionary<string, Tensor> Keep(Dictionary<string, Tensor> tensors)
    {
        foreach (var tensor in tensors.Values) tensor.MoveToOuterDisposeScope();
        return tensors;
    }

    public void Dispose()
    {
        foreach (var tensor in Tensors.Values) tensor.Dispose();
    }
}

/// <summary>Naming schemes of CLIP weight files.</summary>
internal enum ClipNaming
{
    /// <summary>OpenAI's <c>clip</c> package (and open_clip): <c>conv1</c>, <c>transformer.resblocks.N.attn.in_proj_weight</c>.</summary>
    OpenAi,

    /// <summary>Hugging Face transformers: <c>vision_model.encoder.layers.N.self_attn.q_proj</c>, ….</summary>
    HuggingFace,
}

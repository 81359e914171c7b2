namespace Sta.MLNet;

/// <summary>Named network configurations, in one place.</summary>
public static class StaPresets
{
    /// <summary>
    /// The released checkpoint's configuration: CLIP ViT-L/14 at 224 px, its first 14 blocks, 8 frames, adapter width
    /// 512 with 2-head cross-attention. 223,841,282 parameters.
    /// </summary>
    public static StaNetworkOptions Official { get; } = new();

    /// <summary>
    /// CLIP ViT-B/16 (width 768, 12 heads, MLP 3072, 224 px → 14×14 patches) with adapters in all its 12 blocks and
    /// adapter width 384 (= width / 2, the official ratio). Not trained by the authors: for users who want a lighter
    /// model initialised from ViT-B/16 CLIP weights.
    /// </summary>
    public static StaNetworkOptions VitB16 { get; } = new()
    {
        Width = 768, Layers = 12, Heads = 12, PatchSize = 16, InputResolution = 224, NumFrames = 8,
        AdapterWidth = 384, CrossAttentionHeads = 2, MlpWidth = 3072,
    };

    /// <summary>
    /// A tiny network with the full StA structure (2 blocks, width 64, 32 px, 4×4 patches, 8 frames) for tests, samples
    /// and CPU experiments: ~0.2 M parameters, a forward of a clip in milliseconds.
    /// </summary>
    public static StaNetworkOptions Tiny { get; } = new()
    {
        Width = 64, Layers = 2, Heads = 4, PatchSize = 8, InputResolution = 32, NumFrames = 8,
        AdapterWidth = 32, CrossAttentionHeads = 2, MlpWidth = 256,
    };

    /// <summary>Looks a preset up by name (case-insensitive): "official", "vitb16", "tiny".</summary>
    public static StaNetworkOptions ByName(string name) => name.Trim().ToLowerInvariant() switch
    {
        "official" or "vitl14" or "vit-l/14" => Official,
        "vitb16" or "vit-b/16" => VitB16,
        "tiny" => Tiny,
        _ => throw new ArgumentException($"Unknown StA preset '{name}'. Known presets: official, vitb16, tiny.", nameof(name)),
    };
}

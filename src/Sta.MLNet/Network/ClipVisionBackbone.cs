using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// The CLIP ViT visual tower with a temporal embedding and StA adapters ("ViT_CLIP" in the official code).
/// Input clips [B, T, 3, H, W] (CLIP-normalised RGB); output per-frame class-token features [B, Width, T, 1, 1] after
/// ln_post. Self-attention runs per frame; frames interact only through the temporal embedding and the adapters.
/// CLIP's <c>proj</c> is not part of the model: features stay Width-dimensional.
/// </summary>
internal sealed class ClipVisionBackbone : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // PyTorch attribute names: they are the state_dict keys (registration order matters).
    private readonly Parameter class_embedding;
    private readonly Parameter positional_embedding;
    private readonly Parameter temporal_embedding;
    private readonly Conv2d conv1;
    private readonly Fp32LayerNorm ln_pre;
    private readonly AdaptedTransformer transformer;
    private readonly Fp32LayerNorm ln_post;
#pragma warning restore IDE1006
    private readonly StaNetworkOptions _options;
    private ActivationTap? _tap;

    /// <param name="generator">Draws the initial weights (CLIP's and PyTorch's default initialisers); null leaves them to be
    /// loaded (or on the META device), the embeddings then start at zero.</param>
    public ClipVisionBackbone(StaNetworkOptions options, Device? device = null, Generator? generator = null) : base(nameof(ClipVisionBackbone))
    {
        _options = options;
        int width = options.Width;
        class_embedding = new Parameter(zeros(width, dtype: float32, device: device));
        positional_embedding = new Parameter(zeros(options.TokensPerFrame, width, dtype: float32, device: device));
        temporal_embedding = new Parameter(zeros(1, options.NumFrames, width, dtype: float32, device: device));
        conv1 = nn.Conv2d(3, width, kernel_size: options.PatchSize, stride: options.PatchSize, bias: false, device: device);
        if (generator is not null)
        {
            double scale = Math.Pow(width, -0.5);
            DefaultInitialization.ScaledNormal(class_embedding, scale, generator);
            DefaultInitialization.ScaledNormal(positional_embedding, scale, generator);
            DefaultInitialization.Convolution(conv1.weight!, conv1.bias, generator);
        }
        ln_pre = new Fp32LayerNorm(width, options.LayerNormEpsilon, device);
        transformer = new AdaptedTransformer(options, device, generator);
        ln_post = new Fp32LayerNorm(width, options.LayerNormEpsilon, device);
        RegisterComponents();
    }

    public AdaptedTransformer Transformer => transformer;

    internal ActivationTap? Tap
    {
        get => _tap;
        set
        {
            _tap = value;
            transformer.SetTap(value);
        }
    }

    /// <param name="clips">[B, T, 3, H, W].</param>
    public override Tensor forward(Tensor clips)
    {
        using var scope = NewDisposeScope();
        long b = clips.shape[0], t = clips.shape[1];
        int width = _options.Width;
        long tokens = _options.TokensPerFrame;
        var frames = clips.reshape(b * t, clips.shape[2], clips.shape[3], clips.shape[4]);

        var patches = ComputePrecision.Conv2d(conv1, frames, _options.PatchSize); // [BT, W, G, G]
        patches = patches.reshape(b * t, width, tokens - 1).permute(0, 2, 1); // [BT, G*G, W], patch p = h*G + w
        var cls = class_embedding.to_type(patches.dtype).expand(b * t, 1, width);
        var x = cat([cls, patches], 1).Add(positional_embedding.to_type(patches.dtype));
        // The temporal embedding of frame t is added to every token of that frame, the class token included.
        x = x.reshape(b, t, tokens, width).Add(temporal_embedding.to_type(x.dtype).narrow(1, 0, t).unsqueeze(2))
            .reshape(b * t, tokens, width);
        x = ln_pre.forward(x);
        _tap?.Record("ln_pre", x);

        x = transformer.forward(x.permute(1, 0, 2));                           // sequence-first [N, BT, W]
        var classTokens = ln_post.forward(x.select(0, 0));                    // [BT, W]; ln_post acts per token
        var features = classTokens.reshape(b, t, width).permute(0, 2, 1).unsqueeze(-1).unsqueeze(-1);
        return features.contiguous().MoveToOuterDisposeScope();
    }
}

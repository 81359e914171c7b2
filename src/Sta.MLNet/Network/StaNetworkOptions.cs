namespace Sta.MLNet;

/// <summary>
/// Every hyper-parameter of the StA network (CLIP ViT visual tower + StA adapters + I3D head). Nothing in the blocks is
/// hard-coded: the official code fixes width 1024, 16 heads, adapter width 512 and T = 8 inside its classes, which is
/// why it cannot build any other size. Use <see cref="StaPresets"/> for the named configurations.
/// </summary>
public sealed record StaNetworkOptions
{
    /// <summary>Token width D of the ViT (1024 for ViT-L/14).</summary>
    public int Width { get; init; } = 1024;

    /// <summary>Number of residual attention blocks, each followed by one StA adapter (official: the first 14 of 24).</summary>
    public int Layers { get; init; } = 14;

    /// <summary>Self-attention heads of the backbone blocks (head dim = Width / Heads).</summary>
    public int Heads { get; init; } = 16;

    /// <summary>Side of the square patches of the patch-embedding convolution.</summary>
    public int PatchSize { get; init; } = 14;

    /// <summary>Input frames are InputResolution x InputResolution pixels (must be a multiple of PatchSize).</summary>
    public int InputResolution { get; init; } = 224;

    /// <summary>Frames per clip T. The adapters group tokens into T-frame volumes, so inputs must have exactly T frames.</summary>
    public int NumFrames { get; init; } = 8;

    /// <summary>Bottleneck width E of each adapter (official: Width / 2 = 512).</summary>
    public int AdapterWidth { get; init; } = 512;

    /// <summary>Heads of each of the two cross-attention modules of an adapter (official: 2, head dim 256).</summary>
    public int CrossAttentionHeads { get; init; } = 2;

    /// <summary>Hidden width of the QuickGELU MLP of each block (4 x Width in CLIP).</summary>
    public int MlpWidth { get; init; } = 4096;

    /// <summary>Logits of the head: 2 (column 0 = real, column 1 = fake).</summary>
    public int NumClasses { get; init; } = 2;

    /// <summary>Dropout before the classifier, active in training only (official: 0.5).</summary>
    public double HeadDropout { get; init; } = 0.5;

    /// <summary>Kernel extents of the three spatial depthwise stacks, applied as (1, k, k).</summary>
    public IReadOnlyList<int> SpatialKernels { get; init; } = [3, 5, 7];

    /// <summary>Kernel extents of the three temporal depthwise stacks, applied as (k, 1, 1).</summary>
    public IReadOnlyList<int> TemporalKernels { get; init; } = [3, 5, 7];

    /// <summary>LayerNorm epsilon (CLIP: 1e-5).</summary>
    public double LayerNormEpsilon { get; init; } = 1e-5;

    /// <summary>BatchNorm3d epsilon of the depthwise stacks (PyTorch default 1e-5).</summary>
    public double BatchNormEpsilon { get; init; } = 1e-5;

    /// <summary>BatchNorm3d momentum of the depthwise stacks (PyTorch default 0.1).</summary>
    public double BatchNormMomentum { get; init; } = 0.1;

    /// <summary>How the adapters' cross-attention treats a minibatch of several clips.</summary>
    public CrossAttentionBatchSemantics BatchSemantics { get; init; } = CrossAttentionBatchSemantics.PerClip;

    /// <summary>
    /// Attention arithmetic. <see cref="AttentionKernel.Explicit"/> materialises the attention weights exactly like the
    /// official code (q scaled before QKᵀ); <see cref="AttentionKernel.Fused"/> uses scaled_dot_product_attention, which
    /// needs less memory and is faster on GPUs, and agrees to float rounding.
    /// </summary>
    public AttentionKernel AttentionKernel { get; init; } = AttentionKernel.Explicit;

    /// <summary>
    /// Attention arithmetic of the adapters' cross-attention; null (default) = same as <see cref="AttentionKernel"/>.
    /// Separate because its head dimension (AdapterWidth / CrossAttentionHeads = 256 officially) is beyond what flash
    /// kernels take, so on GPUs the explicit form can be the faster one there while the backbone (head dim 64) gains
    /// from the fused kernel.
    /// </summary>
    public AttentionKernel? CrossAttentionKernel { get; init; }

    /// <summary>Patches per side of the grid.</summary>
    public int GridSize => InputResolution / PatchSize;

    /// <summary>Tokens per frame including the class token.</summary>
    public int TokensPerFrame => GridSize * GridSize + 1;

    /// <summary>Checks the options for consistency and throws <see cref="ArgumentException"/> naming the first problem.</summary>
    public StaNetworkOptions Validate()
    {
        static void Require(bool condition, string message)
        {
            if (!condition) throw new ArgumentException(message);
        }
        Require(Width > 0 && Layers >= 0 && Heads > 0 && PatchSize > 0 && InputResolution > 0, "StA options: sizes must be positive.");
        Require(Width % Heads == 0, $"StA options: Width {Width} is not divisible by Heads {Heads}.");
        Require(InputResolution % PatchSize == 0, $"StA options: InputResolution {InputResolution} is not a multiple of PatchSize {PatchSize}.");
        Require(NumFrames > 0, "StA options: NumFrames must be positive.");
        Require(AdapterWidth > 0 && CrossAttentionHeads > 0 && AdapterWidth % CrossAttentionHeads == 0,
            $"StA options: AdapterWidth {AdapterWidth} must be positive and divisible by CrossAttentionHeads {CrossAttentionHeads}.");
        Require(MlpWidth > 0 && NumClasses >= 2, "StA options: MlpWidth must be positive and NumClasses at least 2.");
        Require(HeadDropout is >= 0 and < 1, "StA options: HeadDropout must be in [0, 1).");
        Require(SpatialKernels.Count > 0 && TemporalKernels.Count > 0 && SpatialKernels.Concat(TemporalKernels).All(k => k > 0 && k % 2 == 1),
            "StA options: depthwise kernels must be positive odd numbers (same-size padding k // 2).");
        return this;
    }
}

/// <summary>How the adapters' cross-attention treats a minibatch of several clips.</summary>
public enum CrossAttentionBatchSemantics
{
    /// <summary>
    /// Each clip attends only over its own T·H·W tokens: scores do not depend on the other clips of a batch.
    /// The default for inference and training.
    /// </summary>
    PerClip,

    /// <summary>
    /// The official code's literal permute/reshape, which for B &gt; 1 re-labels tokens across the clips of a minibatch
    /// (docs/design.md, "Cross-attention batch semantics"). Needed only to reproduce official batch-8 numbers; for B = 1 it equals <see cref="PerClip"/>.
    /// </summary>
    Literal,
}

/// <summary>Which attention arithmetic the network uses.</summary>
public enum AttentionKernel
{
    /// <summary>softmax((q/√d)·kᵀ)·v with materialised weights, as the official PyTorch code.</summary>
    Explicit,

    /// <summary>torch scaled_dot_product_attention (flash/memory-efficient kernels where available).</summary>
    Fused,
}

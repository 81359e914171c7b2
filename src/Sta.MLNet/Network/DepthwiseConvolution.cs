namespace Sta.MLNet;

/// <summary>
/// How the adapters' depthwise convolutions are computed. Every form gives the official Conv3d arithmetic (same
/// products, same sums, float rounding aside); only the memory layout and the kernels libtorch runs differ.
/// </summary>
internal enum DepthwiseConvolution
{
    /// <summary>
    /// <see cref="ChannelsLast"/> on the CPU, where it measured 5-30x faster per convolution than the official layout
    /// (docs/performance.md); <see cref="Volumetric"/> on CUDA, where Conv3d matched PyTorch and the other forms have not
    /// been timed yet.
    /// </summary>
    Auto,

    /// <summary>Grouped Conv3d over a contiguous [B, C, T, H, W] volume, as the official code.</summary>
    Volumetric,

    /// <summary>
    /// The same convolutions as depthwise Conv2d on a contiguous layout: a (1, k, k) kernel runs over the frames as a
    /// batch of images [B·T, C, H, W]; a (k, 1, 1) kernel as a (k, 1) kernel over [B, C, T, H·W] (a view).
    /// BatchNorm sees the same values per channel, so its statistics are unchanged.
    /// </summary>
    Planar,

    /// <summary>
    /// Grouped Conv3d over a channels-last volume (memory order B, T, H, W, C), which the adapter builds from its
    /// token sequence with the one copy it makes anyway. libtorch's CPU kernels for this layout are vectorised over
    /// channels, and the cross-attention then reads its tokens with contiguous channels.
    /// </summary>
    ChannelsLast,
}

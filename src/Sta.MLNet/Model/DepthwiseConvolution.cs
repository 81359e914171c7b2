namespace Sta.MLNet.Model;

/// <summary>
/// How the adapters' depthwise convolutions are computed. Both forms give the official Conv3d arithmetic (same
/// products, same sums, float rounding aside); only the kernels libtorch runs differ.
/// </summary>
public enum DepthwiseConvolution
{
    /// <summary>
    /// <see cref="Planar"/> on the CPU, where it measured 2-13x faster per convolution (docs/performance.md);
    /// <see cref="Volumetric"/> on CUDA, where Conv3d matched PyTorch and the planar form has not been timed yet.
    /// </summary>
    Auto,

    /// <summary>Grouped Conv3d over [B, C, T, H, W], as the official code.</summary>
    Volumetric,

    /// <summary>
    /// The same convolutions as depthwise Conv2d, which libtorch implements with much faster kernels: a (1, k, k)
    /// kernel runs over the frames as a batch of images [B·T, C, H, W]; a (k, 1, 1) kernel as a (k, 1) kernel over
    /// [B, C, T, H·W] (a view, no copy). BatchNorm sees the same values per channel, so its statistics are unchanged.
    /// </summary>
    Planar,
}

using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// The channels-last memory layout of a [B, C, T, H, W] volume: logical shape unchanged, memory ordered B, T, H, W, C
/// (strides T·H·W·C, 1, H·W·C, W·C, C). TorchSharp 0.107 has no memory_format argument, so the layout is made by a
/// permute-copy-permute, which gives exactly those strides; libtorch recognises them and picks its channels-last kernels.
/// </summary>
internal static class VolumeLayout
{
    public static bool IsChannelsLast(Tensor volume)
    {
        if (volume.dim() != 5) return false;
        var shape = volume.shape;
        var strides = volume.stride();
        long c = shape[1], t = shape[2], h = shape[3], w = shape[4];
        return strides[1] == 1 && strides[4] == c && strides[3] == w * c && strides[2] == h * w * c && strides[0] == t * h * w * c;
    }

    /// <summary>The volume in channels-last layout (itself when it already is).</summary>
    public static Tensor ToChannelsLast(Tensor volume) =>
        IsChannelsLast(volume) ? volume : volume.permute(0, 2, 3, 4, 1).contiguous().permute(0, 4, 1, 2, 3);

    /// <summary>
    /// [N = H·W, B·T, E] patch tokens (frame index b·T + t) as a channels-last [B, E, T, H, W] volume: the same single
    /// copy as building a contiguous volume, since tokens already hold each position's channels together.
    /// </summary>
    public static Tensor ChannelsLastFromTokens(Tensor patchTokens, long clips, long frames, long grid) =>
        patchTokens.permute(1, 0, 2).reshape(clips, frames, grid, grid, patchTokens.shape[2]).contiguous().permute(0, 4, 1, 2, 3);
}

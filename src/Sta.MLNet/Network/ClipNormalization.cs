namespace Sta.MLNet;

/// <summary>
/// The network's input contract: RGB frames scaled to [0, 1] and normalised with CLIP's mean/std, laid out
/// [T, 3, H, W]. Converts between that and interleaved 8-bit RGB frames [T, H, W, 3] (what decoders, blending and
/// augmentation work on). Normalising computes (v / 255 - mean) / std in float32, torchvision's ToTensor + Normalize
/// order, so values equal PyTorch's bit for bit; denormalising restores the original bytes exactly (rounding to nearest).
/// </summary>
internal static class ClipNormalization
{
    /// <summary>CLIP's per-channel mean (R, G, B) of [0, 1] pixel values.</summary>
    public static IReadOnlyList<float> ClipMean { get; } = [0.48145466f, 0.4578275f, 0.40821073f];

    /// <summary>CLIP's per-channel standard deviation (R, G, B).</summary>
    public static IReadOnlyList<float> ClipStd { get; } = [0.26862954f, 0.26130258f, 0.27577711f];

    private static readonly float[][] ClipLookup = CreateLookup(ClipMean, ClipStd);

    /// <summary>RGB bytes [T, H, W, 3] → CLIP-normalised floats [T, 3, H, W].</summary>
    public static void Normalize(ReadOnlySpan<byte> rgb, Span<float> destination, int frames, int height, int width) =>
        Normalize(rgb, destination, frames, height, width, ClipLookup);

    /// <summary>
    /// The 256 normalised values of each channel, (v / 255 - mean) / std in float32: every uint8 input maps to one of
    /// them, so a table lookup is both exact and faster than the arithmetic per pixel.
    /// </summary>
    internal static float[][] CreateLookup(IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        var lookup = new float[3][];
        for (int c = 0; c < 3; c++)
        {
            lookup[c] = new float[256];
            for (int v = 0; v < 256; v++) lookup[c][v] = ((float)v / 255f - mean[c]) / std[c];
        }
        return lookup;
    }

    /// <summary>RGB bytes [T, H, W, 3] → floats [T, 3, H, W] through a per-channel table of <see cref="CreateLookup"/>.</summary>
    internal static void Normalize(ReadOnlySpan<byte> rgb, Span<float> destination, int frames, int height, int width, float[][] lookup)
    {
        int plane = height * width;
        if (rgb.Length != frames * plane * 3 || destination.Length != rgb.Length)
            throw new ArgumentException($"Expected {frames}x{height}x{width}x3 bytes and as many floats; got {rgb.Length} and {destination.Length}.");
        for (int t = 0; t < frames; t++)
        {
            var source = rgb.Slice(t * plane * 3, plane * 3);
            var target = destination.Slice(t * plane * 3, plane * 3);
            for (int c = 0; c < 3; c++)
            {
                var channel = target.Slice(c * plane, plane);
                var table = lookup[c];
                for (int p = 0; p < plane; p++) channel[p] = table[source[p * 3 + c]];
            }
        }
    }

    /// <summary>Normalised floats [T, 3, H, W] → RGB bytes [T, H, W, 3] (rounded, clamped to 0..255).</summary>
    public static void Denormalize(ReadOnlySpan<float> normalized, Span<byte> destination, int frames, int height, int width)
    {
        int plane = height * width;
        if (normalized.Length != frames * plane * 3 || destination.Length != normalized.Length)
            throw new ArgumentException($"Expected {frames}x3x{height}x{width} floats and as many bytes; got {normalized.Length} and {destination.Length}.");
        for (int t = 0; t < frames; t++)
        {
            var source = normalized.Slice(t * plane * 3, plane * 3);
            var target = destination.Slice(t * plane * 3, plane * 3);
            for (int c = 0; c < 3; c++)
            {
                var channel = source.Slice(c * plane, plane);
                float std = ClipStd[c] * 255f, mean = ClipMean[c] * 255f;
                for (int p = 0; p < plane; p++)
                {
                    float value = MathF.Round(channel[p] * std + mean);
                    target[p * 3 + c] = (byte)Math.Clamp(value, 0f, 255f);
                }
            }
        }
    }
}

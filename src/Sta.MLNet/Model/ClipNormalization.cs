namespace Sta.MLNet.Model;

/// <summary>
/// The network's input contract: RGB frames scaled to [0, 1] and normalised with CLIP's mean/std, laid out
/// [T, 3, H, W]. Converts between that and interleaved 8-bit RGB frames [T, H, W, 3] (what decoders, blending and
/// augmentation work on). Denormalising a normalised clip restores the original bytes exactly (rounding to nearest).
/// </summary>
public static class ClipNormalization
{
    /// <summary>CLIP's per-channel mean (R, G, B) of [0, 1] pixel values.</summary>
    public static IReadOnlyList<float> ClipMean { get; } = [0.48145466f, 0.4578275f, 0.40821073f];

    /// <summary>CLIP's per-channel standard deviation (R, G, B).</summary>
    public static IReadOnlyList<float> ClipStd { get; } = [0.26862954f, 0.26130258f, 0.27577711f];

    /// <summary>RGB bytes [T, H, W, 3] → normalised floats [T, 3, H, W].</summary>
    public static void Normalize(ReadOnlySpan<byte> rgb, Span<float> destination, int frames, int height, int width)
    {
        int plane = height * width;
        if (rgb.Length != frames * plane * 3 || destination.Length != rgb.Length)
            throw new ArgumentException($"Expected {frames}x{height}x{width}x3 bytes and as many floats; got {rgb.Length} and {destination.Length}.");
        Span<float> scale = stackalloc float[3];
        Span<float> shift = stackalloc float[3];
        for (int c = 0; c < 3; c++)
        {
            scale[c] = 1f / (255f * ClipStd[c]);
            shift[c] = ClipMean[c] / ClipStd[c];
        }
        for (int t = 0; t < frames; t++)
        {
            var source = rgb.Slice(t * plane * 3, plane * 3);
            var target = destination.Slice(t * plane * 3, plane * 3);
            for (int c = 0; c < 3; c++)
            {
                var channel = target.Slice(c * plane, plane);
                float s = scale[c], b = shift[c];
                for (int p = 0; p < plane; p++) channel[p] = source[p * 3 + c] * s - b;
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

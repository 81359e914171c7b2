namespace Sta.MLNet;

/// <summary>
/// Per-row entry point of the clip-consistent augmentation: a pure function of (clip bytes, seed, clip key, options)
/// writing into a caller buffer (which may be the input). Keeps one <see cref="ClipAugmenter"/> per thread, rebuilt
/// when the seed or the options instance changes.
/// </summary>
internal static class ClipAugmentation
{
    private static readonly ClipAugmentationOptions DefaultOptions = new();

    [ThreadStatic] private static ClipAugmenter? _cached;
    [ThreadStatic] private static ulong _cachedSeed;

    /// <summary>Augments a [T, H, W, 3] RGB uint8 clip with the draw of (<paramref name="seed"/>,
    /// <paramref name="clipKey"/>); returns the parameters used. Pass the same <paramref name="options"/> instance on
    /// every call to reuse the per-thread buffers.</summary>
    public static ClipAugmentationParameters Augment(ReadOnlySpan<byte> frames, int frameCount, int height, int width, ulong seed,
        long clipKey, Span<byte> destination, ClipAugmentationOptions? options = null)
    {
        var wanted = options ?? DefaultOptions;
        var augmenter = _cached;
        if (augmenter is null || _cachedSeed != seed || !ReferenceEquals(augmenter.Options, wanted))
        {
            augmenter?.Dispose();
            augmenter = new ClipAugmenter(seed, wanted);
            _cached = augmenter;
            _cachedSeed = seed;
        }
        return augmenter.Augment(frames, frameCount, height, width, clipKey, destination);
    }
}

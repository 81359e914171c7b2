namespace Sta.MLNet;

/// <summary>
/// Per-row entry point for data pipelines: a pure function of (clip bytes, landmarks, seed, clip key, options) that
/// writes the VB clip into a caller buffer. Keeps one <see cref="VideoBlender"/> per thread (rebuilt when the seed or
/// the options instance changes), so parallel cursors can call it freely and results never depend on thread
/// scheduling.
/// </summary>
internal static class VideoBlending
{
    private static readonly VideoBlendOptions DefaultOptions = new();

    [ThreadStatic] private static VideoBlender? _cached;
    [ThreadStatic] private static ulong _cachedSeed;

    /// <summary>
    /// Blends a [T, H, W, 3] RGB uint8 clip with landmarks [T, pointsPerFrame, 2] (first 68 points used) into
    /// <paramref name="destination"/>; see <see cref="VideoBlender.BlendClip(ReadOnlySpan{byte}, int, int, int, ReadOnlySpan{float}, int, long, Span{byte}, Span{float})"/>.
    /// For a fresh VB twin every epoch pass a clip key (or seed) that includes the epoch. <paramref name="options"/>:
    /// blending constants; pass the same instance on every call to reuse the per-thread buffers.
    /// </summary>
    public static void BlendClip(ReadOnlySpan<byte> frames, int frameCount, int height, int width, ReadOnlySpan<float> landmarks,
        int pointsPerFrame, ulong seed, long clipKey, Span<byte> destination, VideoBlendOptions? options = null,
        Span<float> masksDestination = default)
    {
        var wanted = options ?? DefaultOptions;
        var blender = _cached;
        if (blender is null || _cachedSeed != seed || !ReferenceEquals(blender.Options, wanted))
        {
            blender?.Dispose();
            blender = new VideoBlender(seed, wanted);
            _cached = blender;
            _cachedSeed = seed;
        }
        blender.BlendClip(frames, frameCount, height, width, landmarks, pointsPerFrame, clipKey, destination, masksDestination);
    }

    /// <summary>A seed for epoch <paramref name="epoch"/> derived from <paramref name="seed"/>: pass it to
    /// <see cref="BlendClip"/> to give every real clip a fresh VB twin each epoch, reproducibly.</summary>
    public static ulong EpochSeed(ulong seed, int epoch) => new StableRandom(seed, epoch, 0, 0x4550).NextUInt64();
}

namespace Sta.MLNet;

/// <summary>
/// Draws from a <see cref="StableRandom"/> stream keyed by (seed, clip key, frame index): the same seed and clip key
/// always give the same blend, different frames get independent draws (facial feature drift), and thread order is
/// irrelevant. For a fresh blend of the same clip every epoch use <see cref="ForEpoch"/>.
/// </summary>
internal sealed class SeededVbDrawSource : IVbDrawSource
{
    private const long Purpose = 0x5642; // "VB": keeps these streams apart from other users of the same seed.
    private readonly ulong _seed;
    private readonly VideoBlendOptions _options;

    /// <param name="seed">Master seed.</param>
    /// <param name="options">Supplies the draw ranges; defaults to <see cref="VideoBlendOptions"/> defaults.</param>
    public SeededVbDrawSource(ulong seed, VideoBlendOptions? options = null)
    {
        _options = options ?? new VideoBlendOptions();
        _options.Validate();
        _seed = seed;
    }

    /// <summary>The master seed.</summary>
    public ulong Seed => _seed;

    /// <inheritdoc />
    public VbFrameDraw Draw(long clipKey, int frameIndex)
    {
        if (frameIndex < 0) throw new ArgumentOutOfRangeException(nameof(frameIndex), frameIndex, "Frame index must be >= 0.");
        var random = new StableRandom(_seed, clipKey, frameIndex, Purpose);
        return VbFrameDraw.Sample(ref random, _options);
    }

    /// <summary>A source whose draws are independent of this one's and of every other epoch's.</summary>
    public SeededVbDrawSource ForEpoch(int epoch)
    {
        var derived = new StableRandom(_seed, epoch, 0, Purpose + 1).NextUInt64();
        return new SeededVbDrawSource(derived, _options);
    }
}

namespace Sta.MLNet;

/// <summary>
/// A small counter-based random stream (SplitMix64) whose state is derived only from a seed and stream keys such as
/// (clip key, frame index). Two streams with the same keys give the same numbers on every machine, .NET version and
/// thread schedule, which is what makes a clip's blend and augmentation reproducible under parallel data loading
/// (System.Random gives no cross-version guarantee and a shared instance would depend on call order). The static
/// members derive seeds from tuples the same way, so draws depend only on *what* is drawn (run seed, epoch, row,
/// purpose), never on thread scheduling or on how many draws happened before: parallel preprocessing and exact training
/// resume rely on it.
/// </summary>
internal struct StableRandom
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;
    private ulong _state;

    /// <summary>A stream for <paramref name="seed"/> and up to three keys (e.g. clip key, frame index, purpose).</summary>
    public StableRandom(ulong seed, long key1 = 0, long key2 = 0, long key3 = 0)
    {
        var state = Mix(seed + Golden);
        state = Mix(state ^ Mix((ulong)key1 + 0x632BE59BD9B4E019UL));
        state = Mix(state ^ Mix((ulong)key2 + 0x8CB92BA72F3D8DD7UL));
        state = Mix(state ^ Mix((ulong)key3 + 0xD1B54A32D192ED03UL));
        _state = state;
    }

    /// <summary>Next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        _state += Golden;
        return Mix(_state);
    }

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [<paramref name="minInclusive"/>, <paramref name="maxInclusive"/>].</summary>
    public int NextInt(int minInclusive, int maxInclusive)
    {
        if (maxInclusive < minInclusive) throw new ArgumentOutOfRangeException(nameof(maxInclusive));
        var span = (ulong)((long)maxInclusive - minInclusive + 1);
        return (int)(minInclusive + (long)(NextDouble() * span));
    }

    /// <summary>True with probability <paramref name="probability"/>.</summary>
    public bool NextBool(double probability) => NextDouble() < probability;

    /// <summary>Standard normal draw (Box-Muller, one value per call).</summary>
    public double NextGaussian()
    {
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>An independent 64-bit seed for a tuple of integers.</summary>
    public static ulong SeedFrom(params long[] parts)
    {
        ulong state = Golden;
        foreach (var part in parts) state = Mix(state ^ Mix((ulong)part + Golden));
        return state;
    }

    /// <summary>A uniform double in [0, 1) from a seed (one draw, no stream).</summary>
    public static double UnitFromSeed(ulong seed) => (Mix(seed) >> 11) * (1.0 / (1UL << 53));

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

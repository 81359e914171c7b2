namespace Sta.MLNet.Runtime;

/// <summary>
/// Derives independent 64-bit seeds from a tuple of integers (SplitMix64 finaliser). Random draws seeded this way
/// depend only on *what* is being drawn (run seed, epoch, row, purpose), never on thread scheduling or on how many
/// draws happened before — which is what makes parallel preprocessing and exact training resume reproducible.
/// </summary>
public static class DeterministicSeed
{
    public static ulong Mix(params long[] parts)
    {
        ulong state = 0x9E3779B97F4A7C15UL;
        foreach (var part in parts) state = Finalise(state ^ Finalise((ulong)part + 0x9E3779B97F4A7C15UL));
        return state;
    }

    /// <summary>A uniform double in [0, 1) from a seed.</summary>
    public static double Unit(ulong seed) => (Finalise(seed) >> 11) * (1.0 / (1UL << 53));

    private static ulong Finalise(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

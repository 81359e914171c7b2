namespace Sta.MLNet;

/// <summary>
/// Shuffles a dataset's clip descriptors once, before anything is decoded (shuffling decoded rows would hold
/// thousands of clip tensors in memory; see docs/design.md, "ML.NET integration").
/// </summary>
internal static class ClipShuffling
{
    /// <summary>
    /// Returns the descriptors in a random order that depends only on <paramref name="seed"/> and the input order
    /// (Fisher-Yates with <see cref="Random(int)"/>, whose seeded sequence .NET keeps stable across versions). The
    /// order differs from DeepfakeBench's python <c>random.shuffle</c> with the same seed.
    /// </summary>
    public static IReadOnlyList<ClipDescriptor> Shuffle(IEnumerable<ClipDescriptor> clips, int seed)
    {
        ArgumentNullException.ThrowIfNull(clips);
        var shuffled = clips.ToArray();
        var random = new Random(seed);
        for (var i = shuffled.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (shuffled[i], shuffled[j]) = (shuffled[j], shuffled[i]);
        }
        return shuffled;
    }
}

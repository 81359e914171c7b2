using static TorchSharp.torch;

namespace Sta.MLNet.Runtime;

/// <summary>
/// libtorch's default random generator is process-wide: two threads that seed it and draw from it interleave their
/// draws. Every use of it in this library (building a network with PyTorch's default initialisers) goes through
/// <see cref="Seeded{T}"/>, which holds one lock for the seed-and-draw sequence, so concurrent trainings in one process
/// stay reproducible. Code outside this library that draws from the global generator concurrently can still interfere.
/// </summary>
public static class GlobalTorchRandom
{
    private static readonly object Gate = new();

    /// <summary>Seeds the global generator and runs <paramref name="create"/> while holding the lock.</summary>
    public static T Seeded<T>(long seed, Func<T> create)
    {
        lock (Gate)
        {
            manual_seed(seed);
            return create();
        }
    }
}

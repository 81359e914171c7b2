using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace Sta.MLNet;

/// <summary>
/// Logging for Sta.MLNet components through ML.NET's own channels: lines written to the channel reach
/// <see cref="MLContext.Log"/> with the component name as source. ML.NET's progress channels are not surfaced by
/// <see cref="MLContext"/>, so progress is reported as channel lines plus an <see cref="IProgress{T}"/> option.
/// </summary>
internal static class MLContextLogging
{
    /// <summary>A host named <paramref name="name"/> (its <see cref="IHost.Rand"/> is seeded from the context's seed).</summary>
    public static IHost CreateHost(this MLContext mlContext, string name)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return ((IHostEnvironment)mlContext).Register(name);
    }

    /// <summary>Starts a channel named <paramref name="name"/>; dispose it when done (ML.NET logs its end).</summary>
    public static IChannel StartChannel(this MLContext mlContext, string name) => mlContext.CreateHost(name).Start(name);

    /// <summary>Starts a channel on an existing environment or host.</summary>
    public static IChannel StartChannel(this IHostEnvironment env, string name)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return env.Register(name).Start(name);
    }

    // ML.NET's one-argument overloads are internal; these write public (non-sensitive) lines, as those do.

    /// <summary>Writes an informational line (shown by <see cref="MLContext.Log"/> subscribers).</summary>
    public static void Info(this IChannel channel, string message) => channel.Info(MessageSensitivity.None, message);

    /// <summary>Writes a warning line.</summary>
    public static void Warning(this IChannel channel, string message) => channel.Warning(MessageSensitivity.None, message);

    /// <summary>Writes a trace (verbose) line.</summary>
    public static void Trace(this IChannel channel, string message) => channel.Trace(MessageSensitivity.None, message);
}

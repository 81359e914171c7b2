namespace Sta.MLNet.Cli.Infrastructure;

/// <summary>What a command writes to and listens to: its two text streams and the cancellation token (Ctrl+C).</summary>
/// <param name="Out">Results (tables, JSON to "-").</param>
/// <param name="Error">Diagnostics, warnings and progress.</param>
/// <param name="Interactive">True when <paramref name="Error"/> is a terminal: progress redraws one line.</param>
/// <param name="CancellationToken">Stops long work at the next item boundary.</param>
public sealed record CliContext(TextWriter Out, TextWriter Error, bool Interactive, CancellationToken CancellationToken)
{
    /// <summary>A progress reporter for <paramref name="total"/> items (null when unknown).</summary>
    public ProgressLine Progress(string label, int? total) => new(Error, Interactive, label, total);

    public void Warn(string message) => Error.WriteLine($"warning: {message}");
}

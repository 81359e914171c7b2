using System.Diagnostics;
using System.Globalization;

namespace Sta.MLNet.Cli.Infrastructure;

/// <summary>
/// Crash simulation for the kill-and-resume tests of <c>sta train</c>: with <c>STA_FAULT_KILL_AT=&lt;point&gt;:&lt;n&gt;</c>
/// the process kills itself the n-th time training reaches the named point (<c>step</c>, or a checkpoint moment such as
/// <c>last:renamed</c>; the library's <c>TrainingFaultPoints</c> lists them). On Linux that is a SIGKILL: no finally
/// block, cancellation checkpoint or buffered write runs, as when a machine runs out of memory or a job is killed.
/// Nothing else reads the variable.
/// </summary>
internal static class FaultInjection
{
    public const string Variable = "STA_FAULT_KILL_AT";

    /// <summary>The probe the variable asks for, or null when it is not set.</summary>
    /// <exception cref="UsageException">The variable is set but malformed.</exception>
    public static Action<string>? FromEnvironment()
    {
        var value = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(value)) return null;
        int separator = value.LastIndexOf(':');
        if (separator <= 0 || !int.TryParse(value.AsSpan(separator + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int occurrence) || occurrence < 1)
            throw new UsageException($"{Variable} must be <point>:<n> with n >= 1 (e.g. last:renamed:3); got '{value}'.");
        var point = value[..separator];
        int reached = 0;
        return name =>
        {
            if (name != point || Interlocked.Increment(ref reached) != occurrence) return;
            Process.GetCurrentProcess().Kill();
            // The signal ends the process; nothing of the current operation may continue meanwhile.
            Thread.Sleep(Timeout.Infinite);
        };
    }
}

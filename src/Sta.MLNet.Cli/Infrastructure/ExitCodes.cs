namespace Sta.MLNet.Cli.Infrastructure;

/// <summary>Process exit codes of <c>sta</c> (documented in docs/cli.md).</summary>
public static class ExitCodes
{
    /// <summary>Everything asked for was done (a score run where some, but not all, inputs failed also ends here).</summary>
    public const int Success = 0;

    /// <summary>The work failed: every input failed, or an error stopped the command (message on stderr).</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong: unknown verb or option, missing argument, bad value, missing input file.</summary>
    public const int Usage = 2;

    /// <summary>Stopped by Ctrl+C (or the caller's cancellation token); what was finished has been written.</summary>
    public const int Cancelled = 130;
}

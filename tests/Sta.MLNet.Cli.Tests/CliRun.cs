namespace Sta.MLNet.Cli.Tests;

/// <summary>The result of one in-process <c>sta</c> invocation.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}

internal static class CliRun
{
    public static CliResult Invoke(params string[] args) => Invoke(CancellationToken.None, args);

    public static CliResult Invoke(CancellationToken cancellationToken, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = Program.Run(args, output, error, cancellationToken);
        return new CliResult(code, output.ToString(), error.ToString());
    }
}

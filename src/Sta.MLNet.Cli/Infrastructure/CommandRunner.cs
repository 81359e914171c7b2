using System.CommandLine;
using Sta.MLNet;

namespace Sta.MLNet.Cli.Infrastructure;

/// <summary>Turns a verb's work into an exit code: usage errors 2, cancellation 130, other failures 1 (message on stderr).</summary>
internal static class CommandRunner
{
    public static void SetHandler(Command command, CliContext context, Func<ParseResult, int> handler) =>
        command.SetAction(parse => Run(context, () => handler(parse)));

    public static int Run(CliContext context, Func<int> work)
    {
        try
        {
            return work();
        }
        catch (UsageException error)
        {
            context.Error.WriteLine($"error: {error.Message}");
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException)
        {
            context.Error.WriteLine("cancelled: the results finished so far have been written.");
            return ExitCodes.Cancelled;
        }
        catch (FaceModelNotFoundException error)
        {
            context.Error.WriteLine($"error: {error.Message}");
            return ExitCodes.Failure;
        }
        catch (Exception error)
        {
            // The top of a command-line tool: every failure becomes a message and an exit code, not a stack trace.
            context.Error.WriteLine(error is StaException or IOException or InvalidDataException
                ? $"error: {error.Message}"
                : $"error: {error.GetType().Name}: {error.Message}");
            return ExitCodes.Failure;
        }
    }
}

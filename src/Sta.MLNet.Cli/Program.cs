using System.CommandLine;
using Sta.MLNet.Cli.Commands;
using Sta.MLNet.Cli.Infrastructure;

namespace Sta.MLNet.Cli;

/// <summary>The <c>sta</c> command-line tool.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        // Per-file decode problems are reported by the verbs themselves; OpenCV's warnings about the same files would
        // only bury those reports. A level the user set through OPENCV_LOG_LEVEL wins.
        if (Environment.GetEnvironmentVariable("OPENCV_LOG_LEVEL") is null) OpenCvSharp.Cv2.SetLogLevel(OpenCvSharp.LogLevel.ERROR);
        // Numbers in tables, progress lines and files read the same on every machine.
        System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.InvariantCulture;
        using var cancellation = new CancellationTokenSource();
        // The first Ctrl+C asks the running verb to stop at its next item and write what is done; a second one
        // falls through to the default handler and ends the process.
        ConsoleCancelEventHandler handler = (_, e) =>
        {
            if (cancellation.IsCancellationRequested) return;
            e.Cancel = true;
            Console.Error.WriteLine();
            Console.Error.WriteLine("Stopping after the current item (Ctrl+C again to abort)...");
            cancellation.Cancel();
        };
        Console.CancelKeyPress += handler;
        try
        {
            var interactive = !Console.IsErrorRedirected;
            return Run(args, Console.Out, Console.Error, cancellation.Token, interactive);
        }
        finally
        {
            Console.CancelKeyPress -= handler;
        }
    }

    /// <summary>
    /// Runs one command line in-process: results go to <paramref name="output"/>, diagnostics and progress to
    /// <paramref name="error"/>. Returns the exit code (<see cref="ExitCodes"/>).
    /// </summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default) =>
        Run(args, output, error, cancellationToken, interactive: false);

    private static int Run(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken, bool interactive)
    {
        var context = new CliContext(output, error, interactive, cancellationToken);
        var root = BuildRootCommand(context);
        var parse = root.Parse(args);
        var configuration = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null, // Ctrl+C is handled in Main and arrives as the cancellation token
        };
        if (parse.Errors.Count > 0 && !AsksForHelp(args))
        {
            foreach (var problem in parse.Errors)
                error.WriteLine($"error: {problem.Message}");
            error.WriteLine("Run 'sta --help' or 'sta <verb> --help' for usage.");
            return ExitCodes.Usage;
        }
        return parse.Invoke(configuration);
    }

    private static bool AsksForHelp(string[] args) => args.Any(a => a is "--help" or "-h" or "-?");

    internal static RootCommand BuildRootCommand(CliContext context)
    {
        var root = new RootCommand("StA deepfake video detector (Video-level Blending + Spatiotemporal Adapter) on ML.NET.")
        {
            ScoreCommand.Create(context),
            ExplainCommand.Create(context),
            ServeCommand.Create(context),
            TrainCommand.Create(context),
            EvaluateCommand.Create(context),
            PreprocessCommand.Create(context),
            BlendCommand.Create(context),
            InspectCommand.Create(context),
            ExportCommand.Create(context),
            ClusterCommand.Create(context),
        };
        return root;
    }
}

using System.CommandLine;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sta.MLNet.Cli.Infrastructure;
using Sta.MLNet.Cli.Scoring;
using Sta.MLNet.Server;

namespace Sta.MLNet.Cli.Commands;

/// <summary><c>sta serve</c>: the scoring service and its web page (docs/serve.md).</summary>
internal static class ServeCommand
{
    /// <summary>Read when --api-key is not given, so that the key need not appear in the process list.</summary>
    public const string ApiKeyVariable = "STA_API_KEY";

    public static Command Create(CliContext context)
    {
        var choice = new ModelChoice();
        var urls = new Option<string[]>("--urls")
        {
            Description = "Addresses to listen on (port 0 picks a free one). Default: http://127.0.0.1:5080, loopback only.",
            DefaultValueFactory = _ => ["http://127.0.0.1:5080"],
            AllowMultipleArgumentsPerToken = true,
        };
        var apiKey = new Option<string?>("--api-key") { Description = $"Require this key on every /api request (X-Api-Key header). Default: ${ApiKeyVariable}, or none." };
        var workers = new Option<int>("--workers") { Description = "Jobs analysed at the same time (they share one loaded network).", DefaultValueFactory = _ => 1 };
        var queue = new Option<int>("--queue") { Description = "Jobs waiting at most; beyond it uploads get 429 with Retry-After.", DefaultValueFactory = _ => 16 };
        var maxUpload = new Option<int>("--max-upload-mb") { Description = "Largest video accepted, in MiB (413 beyond it).", DefaultValueFactory = _ => 200 };
        var keep = new Option<double>("--keep-results") { Description = "Minutes a finished job's result stays available.", DefaultValueFactory = _ => 60 };
        var explained = new Option<int>("--explain-clips") { Description = "Clips with the highest P(fake) that get heat maps (0: none).", DefaultValueFactory = _ => 3 };
        var threshold = new Option<double>("--threshold") { Description = "P(fake) above which a video is called fake.", DefaultValueFactory = _ => 0.5 };
        var temp = new Option<string?>("--temp-dir") { Description = "Folder for uploads while they are analysed (default: the system's temporary folder)." };
        var command = new Command("serve", "Run the scoring service: HTTP API (jobs, events, OpenAPI) and a web page with verdicts, timelines and heat maps.");
        choice.AddTo(command);
        foreach (var option in new Option[] { urls, apiKey, workers, queue, maxUpload, keep, explained, threshold, temp })
            command.Options.Add(option);
        CommandRunner.SetHandler(command, context, parse =>
        {
            var options = new StaServerOptions
            {
                Urls = parse.GetValue(urls)!,
                ApiKey = parse.GetValue(apiKey) ?? NullIfEmpty(Environment.GetEnvironmentVariable(ApiKeyVariable)),
                Workers = parse.GetValue(workers),
                QueueCapacity = parse.GetValue(queue),
                MaxUploadBytes = parse.GetValue(maxUpload) * 1024L * 1024L,
                ResultRetention = TimeSpan.FromMinutes(parse.GetValue(keep)),
                ExplainedClips = parse.GetValue(explained),
                Threshold = parse.GetValue(threshold),
                TemporaryDirectory = parse.GetValue(temp),
            };
            try
            {
                options.Validate();
            }
            catch (ArgumentException error)
            {
                throw new UsageException($"{error.ParamName}: {error.Message.Split(" (Parameter")[0]}");
            }
            if (options.TemporaryDirectory is { } folder && !Directory.Exists(folder)) throw new UsageException($"--temp-dir not found: {folder}");
            var loaded = choice.Load(parse, workers: 1);
            try
            {
                // The page and /api/v1/info name the model by its file name: the server's folders are nobody else's business.
                var file = choice.File(parse)!;
                var description = loaded.Description.Replace(file, Path.GetFileName(file), StringComparison.Ordinal);
                return Run(context, new ServedModel(loaded.Stage, loaded.Options, description), options);
            }
            finally
            {
                loaded.Release();
            }
        });
        return command;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>Runs the service until Ctrl+C (or SIGTERM), then stops it: running jobs are cancelled, uploads deleted.</summary>
    internal static int Run(CliContext context, ServedModel model, StaServerOptions options)
    {
        using var host = StaServer.CreateHostBuilder(model, options).Build();
        host.StartAsync(context.CancellationToken).GetAwaiter().GetResult();
        var addresses = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in addresses)
            context.Error.WriteLine($"listening on {address}");
        context.Error.WriteLine($"model: {model.Description}; {options.Workers} worker(s), queue of {options.QueueCapacity}" +
                                (options.ApiKey is null ? "; no API key" : "; API key required") + ". Ctrl+C stops.");
        try
        {
            host.WaitForShutdownAsync(context.CancellationToken).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
        }
        host.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        context.Error.WriteLine("stopped.");
        return ExitCodes.Success;
    }
}

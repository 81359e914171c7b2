using System.CommandLine;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sta.MLNet.Cli.Faces;
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
        var checkpoint = CommonOptions.Checkpoint();
        var model = CommonOptions.Model();
        var preset = CommonOptions.Preset();
        var gpu = CommonOptions.Gpu();
        var bf16 = CommonOptions.Bf16();
        var sampling = CommonOptions.Sampling();
        var clips = CommonOptions.Clips();
        var detector = CommonOptions.FaceDetector();
        var landmarks = CommonOptions.LandmarksModel();
        var alignment = CommonOptions.AlignmentSize();
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
        var command = new Command("serve", "Run the scoring service: HTTP API (jobs, events, OpenAPI) and a web page with verdicts, timelines and heat maps.")
        {
            checkpoint, model, preset, gpu, bf16, sampling, clips, detector, landmarks, alignment, urls, apiKey, workers, queue, maxUpload, keep, explained, threshold, temp,
        };
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
            var samplingOptions = CommonOptions.ResolveSampling(parse.GetValue(sampling)!, parse.GetValue(clips));
            var faces = CommonOptions.ResolveFaces(parse, detector, landmarks, alignment);
            FaceCropper.Create(faces).Dispose(); // missing face models fail here, with the package to install
            var loaded = ScoringModel.Load(parse.GetValue(gpu), parse.GetValue(checkpoint), parse.GetValue(model), parse.GetValue(preset)!,
                samplingOptions, faces, workers: 1, parse.GetValue(bf16));
            try
            {
                // The page and /api/v1/info name the model by its file name: the server's folders are nobody else's business.
                var file = parse.GetValue(model) ?? parse.GetValue(checkpoint)!;
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

using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Sta.MLNet.Cli.Cluster;
using Sta.MLNet.Cli.Infrastructure;
using Sta.MLNet.Cli.Scoring;
using Sta.MLNet.Orleans;

namespace Sta.MLNet.Cli.Commands;

/// <summary>
/// <c>sta cluster silo | score | status | cancel</c>: score a corpus across the silos of an Orleans cluster that keeps its state in
/// a store (docs/scale-out.md). Silos load the detector and pull videos; <c>score</c> submits a corpus (or attaches to
/// it) and writes what <c>sta score</c> writes; <c>status</c> lists jobs and silos; <c>cancel</c> stops a job.
/// </summary>
internal static class ClusterCommand
{
    private static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(30);

    public static Command Create(CliContext context) => new("cluster", "Score a corpus across machines: silos that host the detector, jobs, status (Orleans).")
    {
        CreateSilo(context),
        CreateScore(context),
        CreateStatus(context),
        CreateCancel(context),
    };

    private static Option<string> StoreOption() => new("--store")
    {
        Description = "Where the cluster keeps membership and jobs: 'localhost' (one machine, in memory) or redis://[[user]:password@]host[:port][/db][?cluster=NAME].",
        Required = true,
    };

    private static Option<double> ConnectTimeoutOption() => new("--connect-timeout")
    {
        Description = "Seconds to wait for the store and a silo before giving up.",
        DefaultValueFactory = _ => DefaultConnectTimeout.TotalSeconds,
    };

    private static TimeSpan ConnectTimeout(ParseResult parse, Option<double> option)
    {
        var seconds = parse.GetValue(option);
        if (!(seconds > 0)) throw new UsageException("--connect-timeout must be positive.");
        return TimeSpan.FromSeconds(seconds);
    }

    // ---------------------------------------------------------------- silo

    private static Command CreateSilo(CliContext context)
    {
        var choice = new ModelChoice();
        var store = StoreOption();
        var workers = new Option<int>("--workers") { Description = "Corpus workers on this silo; each scores one lease at a time with the silo's one loaded network.", DefaultValueFactory = _ => 1 };
        var perLease = new Option<int>("--videos-per-lease") { Description = "Videos a worker takes at once (more: less traffic; fewer: a small corpus spreads wider).", DefaultValueFactory = _ => 4 };
        var address = new Option<string?>("--address") { Description = "Address this silo advertises and listens on (default: 127.0.0.1 when the store is on loopback, else this machine's address)." };
        var port = new Option<int?>("--port") { Description = "Silo-to-silo port (default: a free port; 11111 for a localhost store)." };
        var gatewayPort = new Option<int?>("--gateway-port") { Description = "Port clients connect to (default: a free port; 30000 for a localhost store)." };
        var name = new Option<string?>("--name") { Description = "The silo's name in status and results (default: machine name and process id)." };
        var command = new Command("silo", "Run a silo: load the detector, join the cluster, score videos of its jobs until Ctrl+C or SIGTERM (leases are handed back).")
        {
            store, workers, perLease, address, port, gatewayPort, name,
        };
        choice.AddTo(command);
        CommandRunner.SetHandler(command, context, parse =>
        {
            var corpusStore = ClusterConnection.ParseStore(parse.GetValue(store)!);
            var workerCount = parse.GetValue(workers);
            if (workerCount < 1) throw new UsageException("--workers must be at least 1.");
            if (parse.GetValue(perLease) < 1) throw new UsageException("--videos-per-lease must be at least 1.");
            var endpoints = ResolveEndpoints(corpusStore, parse.GetValue(address), parse.GetValue(port), parse.GetValue(gatewayPort));
            var siloName = parse.GetValue(name) ?? $"{Environment.MachineName}-{Environment.ProcessId}";
            if (string.IsNullOrWhiteSpace(siloName) || siloName.Contains('/')) throw new UsageException("--name must be non-empty and without '/'.");
            // A missing model is a usage error before anything slow happens; the store comes next, the network last.
            if (choice.File(parse) is { } file && !File.Exists(file)) throw new UsageException($"Model not found: {file}");
            if (parse.GetValue(choice.Model) is null && parse.GetValue(choice.Checkpoint) is null)
                throw new UsageException("Give exactly one of --checkpoint FILE (with --preset) and --model FILE.zip.");
            corpusStore.EnsureReachableAsync(DefaultConnectTimeout, context.CancellationToken).GetAwaiter().GetResult();
            // Each corpus worker runs its own scoring run (one decoding thread each); OpenCV's own threads would compete with them.
            if (workerCount > 1) OpenCvSharp.Cv2.SetNumThreads(1);
            var loaded = choice.Load(parse, workers: 1);
            try
            {
                var scorer = new StaCorpusScorer(new StaVideoScorer(loaded.Stage, loaded.Options));
                return RunSilo(context, corpusStore, endpoints, siloName, scorer, loaded.Description, workerCount, parse.GetValue(perLease));
            }
            finally
            {
                loaded.Release();
            }
        });
        return command;
    }

    private sealed record SiloEndpoints(IPAddress Address, int SiloPort, int GatewayPort);

    private static SiloEndpoints ResolveEndpoints(CorpusStore store, string? address, int? port, int? gatewayPort)
    {
        if (store.IsLocal)
        {
            // The one-machine store is Orleans' localhost clustering: one silo, on the ports its clients look for.
            if (address is not null || port is not null || gatewayPort is not null)
                throw new UsageException("--address, --port and --gateway-port apply to a redis:// store; a localhost store runs one silo on 127.0.0.1:11111 (gateway 30000).");
            return new SiloEndpoints(IPAddress.Loopback, CorpusStore.LocalSiloPort, CorpusStore.LocalGatewayPort);
        }
        IPAddress ip;
        if (address is null) ip = ClusterConnection.DefaultSiloAddress(store);
        else if (!IPAddress.TryParse(address, out ip!)) throw new UsageException($"--address: '{address}' is not an IP address.");
        if (port is < 1 or > 65535 || gatewayPort is < 1 or > 65535) throw new UsageException("--port and --gateway-port must be within 1..65535.");
        var siloPort = port ?? ClusterConnection.FreePort(ip);
        var gateway = gatewayPort ?? ClusterConnection.FreePort(ip);
        if (siloPort == gateway) throw new UsageException("--port and --gateway-port must differ.");
        return new SiloEndpoints(ip, siloPort, gateway);
    }

    /// <summary>Runs the silo until Ctrl+C or SIGTERM, then leaves the cluster cleanly (workers hand their leases back).</summary>
    private static int RunSilo(CliContext context, CorpusStore store, SiloEndpoints endpoints, string name, ICorpusScorer scorer, string model,
        int workers, int videosPerLease)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(null, LogLevel.Warning);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(60));
        builder.Services.AddSingleton(scorer);
        builder.UseOrleans(silo =>
        {
            silo.UseStaCorpusStore(store);
            if (!store.IsLocal) silo.ConfigureEndpoints(endpoints.Address, endpoints.SiloPort, endpoints.GatewayPort);
            silo.Configure<SiloOptions>(o => o.SiloName = name);
            silo.AddStaCorpusWorkers(o =>
            {
                o.Workers = workers;
                o.VideosPerLease = videosPerLease;
            });
        });
        using var host = builder.Build();
        try
        {
            host.StartAsync(context.CancellationToken).GetAwaiter().GetResult();
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            throw new IOException($"the silo could not start on {endpoints.Address}:{endpoints.SiloPort} (gateway {endpoints.GatewayPort}): {error.Message.Split('\n')[0]}", error);
        }
        // One line that scripts wait for: the silo is a member and its workers pull from now on.
        context.Out.WriteLine($"silo {name} up: silo {endpoints.Address}:{endpoints.SiloPort}, gateway {endpoints.Address}:{endpoints.GatewayPort}, " +
                              $"store {store} (cluster {store.ClusterId}), {workers} worker(s), {model}. Ctrl+C or SIGTERM stops.");
        context.Out.Flush();
        try
        {
            host.WaitForShutdownAsync(context.CancellationToken).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
        }
        context.Error.WriteLine($"silo {name}: stopping; leased videos go back to their jobs.");
        host.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        context.Error.WriteLine($"silo {name}: stopped.");
        return ExitCodes.Success;
    }

    // ---------------------------------------------------------------- score

    private static Command CreateScore(CliContext context)
    {
        var input = new Argument<string>("input") { Description = "A folder of videos (searched recursively, labels from real/fake folder names), or a manifest: .csv (path[,label]) or .jsonl." };
        var store = StoreOption();
        var json = new Option<string?>("--json") { Description = "Write the results as JSON to FILE ('-' = standard output instead of the table), as sta score does." };
        var csv = new Option<string?>("--csv") { Description = "Write one CSV row per clip (and per failed video) to FILE, as sta score does." };
        var threshold = new Option<double>("--threshold") { Description = "P(fake) above which a video is called fake (part of the job's identity).", DefaultValueFactory = _ => 0.5 };
        var lease = new Option<double>("--lease-seconds") { Description = "How long a video stays with a worker that stopped renewing its lease (a lost silo) before another takes it.", DefaultValueFactory = _ => 120 };
        var attempts = new Option<int>("--max-attempts") { Description = "Leases a video gets at most before it is given an error result.", DefaultValueFactory = _ => 3 };
        var connect = ConnectTimeoutOption();
        var command = new Command("score", "Score a corpus on the cluster, or attach to its job when it was submitted before; write what sta score writes.")
        {
            input, store, json, csv, threshold, lease, attempts, connect,
        };
        CommandRunner.SetHandler(command, context, parse =>
        {
            var corpusStore = ClusterConnection.ParseStore(parse.GetValue(store)!);
            var options = new CorpusJobOptions
            {
                Threshold = parse.GetValue(threshold),
                LeaseDuration = TimeSpan.FromSeconds(parse.GetValue(lease)),
                MaxAttempts = parse.GetValue(attempts),
            };
            if (options.Threshold is < 0 or > 1) throw new UsageException("--threshold must be within [0, 1].");
            if (!(parse.GetValue(lease) >= 1)) throw new UsageException("--lease-seconds must be at least 1.");
            if (options.MaxAttempts < 1) throw new UsageException("--max-attempts must be at least 1.");
            var manifest = ReadManifest(parse.GetValue(input)!);
            var timeout = ConnectTimeout(parse, connect);
            return ScoreAsync(context, corpusStore, manifest, options, parse.GetValue(json), parse.GetValue(csv), timeout, parse.Tokens.Select(t => t.Value))
                .GetAwaiter().GetResult();
        });
        return command;
    }

    private static CorpusManifest ReadManifest(string input)
    {
        try
        {
            if (Directory.Exists(input)) return CorpusManifest.FromFolder(input);
            if (!File.Exists(input)) throw new UsageException($"Input not found: {input}");
            if (!input.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) && !input.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
                throw new UsageException($"{input}: give a folder of videos or a manifest (.csv or .jsonl).");
            return CorpusManifest.FromFile(input);
        }
        catch (Exception error) when (error is FormatException or ArgumentException)
        {
            throw new UsageException(error.Message.Split(" (Parameter")[0]);
        }
    }

    private static async Task<int> ScoreAsync(CliContext context, CorpusStore store, CorpusManifest manifest, CorpusJobOptions options, string? jsonPath,
        string? csvPath, TimeSpan connectTimeout, IEnumerable<string> commandLine)
    {
        await using var connection = await ClusterConnection.OpenAsync(store, connectTimeout, context.CancellationToken);
        var corpus = connection.Corpus;
        var submission = await corpus.SubmitAsync(manifest, options);
        var jobId = submission.JobId;
        var total = manifest.Videos.Count;
        context.Error.WriteLine(!submission.Attached
            ? $"job {jobId}: submitted, {total} video(s)."
            : submission.Progress.IsFinished
                ? $"job {jobId}: attached to the finished job ({submission.Progress.Done}/{total} done); its results are read again, nothing is scored twice."
                : $"job {jobId}: attached to the running job ({submission.Progress.Done}/{total} done); following it.");

        using var report = new ScoreReport($"cluster {store}, job {jobId}", options.Threshold, jsonPath, csvPath);
        // Results arrive in the order workers report them; the files list them in manifest order, as sta score does.
        var delivery = new InOrderDelivery<VideoScoreResult>(total, report.Add);
        var received = 0;
        using (var progress = context.Progress("scoring", total))
        {
            try
            {
                await foreach (var result in FollowResults(context, corpus, jobId, context.CancellationToken))
                {
                    var video = ScoreJson.ReadVideo(result.Json);
                    delivery.Finished(result.Index, video);
                    received++;
                    progress.Report(received, $"{Path.GetFileName(result.Path)}: " +
                        (video.Succeeded ? $"P(fake) {video.Probability!.Value.ToString("F4", CultureInfo.InvariantCulture)}" : $"error: {video.Error}"));
                }
            }
            catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
            {
                report.Cancelled = true;
            }
        }
        report.Complete(context.Out);
        if (jsonPath != "-") report.WriteTable(context.Out);
        if (report.Cancelled)
        {
            context.Error.WriteLine($"stopped following job {jobId}; the outputs hold {report.Results.Count} of {total} result(s). The job keeps running in the cluster.");
            context.Error.WriteLine($"To reattach and write every result, run the same command again: sta {string.Join(' ', commandLine.Select(QuoteArgument))}");
            return ExitCodes.Cancelled;
        }
        var summary = await corpus.GetSummaryAsync(jobId);
        var bySilo = string.Join(", ", summary.ResultsBySilo.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{(p.Key.Length == 0 ? "(job)" : p.Key)} {p.Value}"));
        context.Error.WriteLine($"job {jobId}: {(summary.Progress.Cancelled ? "cancelled" : "finished")}; {summary.Progress.Succeeded} scored, " +
                                $"{summary.Progress.Failed} failed, {summary.Retries} retried lease(s); results by silo: {bySilo}.");
        if (summary.Progress.Cancelled)
        {
            context.Error.WriteLine($"error: the job was cancelled in the cluster; {report.Results.Count} of {total} video(s) have results.");
            return ExitCodes.Failure;
        }
        foreach (var failed in report.Results.Where(r => !r.Succeeded))
            context.Error.WriteLine($"warning: {failed.Path}: {failed.Error}");
        return report.Results.Any(r => r.Succeeded) ? ExitCodes.Success : ExitCodes.Failure;
    }

    /// <summary>
    /// Every result of the job, each once, until it is finished. A call that fails while the cluster changes under it (a
    /// silo lost, the job moving to another silo) is retried from the offset reached, so nothing is missed or repeated;
    /// only a cluster out of reach for <see cref="OutageLimit"/> ends the run.
    /// </summary>
    private static async IAsyncEnumerable<VideoResult> FollowResults(CliContext context, CorpusClient corpus, string jobId,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var offset = 0;
        DateTime? outageSince = null;
        while (true)
        {
            var results = corpus.ReadResultsAsync(jobId, offset, follow: true, cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                while (true)
                {
                    bool more;
                    try
                    {
                        more = await results.MoveNextAsync();
                    }
                    catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    {
                        outageSince ??= DateTime.UtcNow;
                        if (DateTime.UtcNow - outageSince > OutageLimit)
                            throw new IOException($"lost the cluster for over {OutageLimit.TotalMinutes:0} minutes while following job {jobId}: {error.Message.Split('\n')[0]}", error);
                        context.Error.WriteLine($"note: the cluster did not answer ({error.GetType().Name}: {error.Message.Split('\n')[0]}); asking again.");
                        break;
                    }
                    if (!more) yield break;
                    outageSince = null;
                    offset++;
                    yield return results.Current;
                }
            }
            finally
            {
                await results.DisposeAsync();
            }
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    private static readonly TimeSpan OutageLimit = TimeSpan.FromMinutes(5);

    private static string QuoteArgument(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsLetterOrDigit(c) || "-_./:=,@+%".Contains(c)) ? argument : "'" + argument.Replace("'", "'\\''") + "'";

    // ---------------------------------------------------------------- status

    private static Command CreateStatus(CliContext context)
    {
        var store = StoreOption();
        var json = new Option<bool>("--json") { Description = "Write the jobs and silos as JSON (for scripts) instead of tables." };
        var connect = ConnectTimeoutOption();
        var command = new Command("status", "List the cluster's jobs (done/total, failed, state, hosting silo) and its silos.") { store, json, connect };
        CommandRunner.SetHandler(command, context, parse =>
        {
            var corpusStore = ClusterConnection.ParseStore(parse.GetValue(store)!);
            return StatusAsync(context, corpusStore, parse.GetValue(json), ConnectTimeout(parse, connect)).GetAwaiter().GetResult();
        });
        return command;
    }

    private static async Task<int> StatusAsync(CliContext context, CorpusStore store, bool asJson, TimeSpan connectTimeout)
    {
        await using var connection = await ClusterConnection.OpenAsync(store, connectTimeout, context.CancellationToken);
        var corpus = connection.Corpus;
        var silos = await corpus.ListSilosAsync();
        var names = silos.ToDictionary(s => s.Address, s => s.Name);
        var jobs = new List<(CorpusJobSummary Summary, string? Host)>();
        foreach (var progress in await corpus.ListJobsAsync())
        {
            var summary = await corpus.GetSummaryAsync(progress.JobId);
            var host = await corpus.GetJobSiloAsync(progress.JobId);
            jobs.Add((summary, host is null ? null : names.GetValueOrDefault(host, host)));
        }
        if (asJson)
        {
            WriteStatusJson(context.Out, store, jobs, silos);
            return ExitCodes.Success;
        }
        context.Out.WriteLine($"store {store} (cluster {store.ClusterId})");
        var jobRows = new List<string[]> { new[] { "job", "done", "failed", "leased", "state", "hosted by", "submitted", "results by silo" } };
        foreach (var (summary, host) in jobs)
        {
            var p = summary.Progress;
            jobRows.Add([
                p.JobId, $"{p.Done}/{p.Total}", p.Failed.ToString(CultureInfo.InvariantCulture), p.Leased.ToString(CultureInfo.InvariantCulture), State(p), host ?? "-",
                p.SubmittedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                string.Join(" ", summary.ResultsBySilo.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{(r.Key.Length == 0 ? "(job)" : r.Key)}:{r.Value}")),
            ]);
        }
        if (jobs.Count == 0) context.Out.WriteLine("no jobs");
        else Table.Write(context.Out, jobRows);
        context.Out.WriteLine();
        var siloRows = new List<string[]> { new[] { "silo", "address", "status" } };
        siloRows.AddRange(silos.Select(s => new[] { s.Name, s.Address, s.Status }));
        if (silos.Count == 0) context.Out.WriteLine("no active silo");
        else Table.Write(context.Out, siloRows);
        return ExitCodes.Success;
    }

    // ---------------------------------------------------------------- cancel

    private static Command CreateCancel(CliContext context)
    {
        var job = new Argument<string>("job") { Description = "The job's id, as sta cluster status and sta cluster score show it." };
        var store = StoreOption();
        var connect = ConnectTimeoutOption();
        var command = new Command("cancel", "Stop a job: no more videos are handed out, workers stop at their next renewal, the results it has stay readable.")
        {
            job, store, connect,
        };
        CommandRunner.SetHandler(command, context, parse =>
        {
            var corpusStore = ClusterConnection.ParseStore(parse.GetValue(store)!);
            var jobId = parse.GetValue(job)!.Trim();
            if (jobId.Length == 0) throw new UsageException("Name the job to cancel (its id from sta cluster status).");
            return CancelAsync(context, corpusStore, jobId, ConnectTimeout(parse, connect)).GetAwaiter().GetResult();
        });
        return command;
    }

    private static async Task<int> CancelAsync(CliContext context, CorpusStore store, string jobId, TimeSpan connectTimeout)
    {
        await using var connection = await ClusterConnection.OpenAsync(store, connectTimeout, context.CancellationToken);
        var corpus = connection.Corpus;
        CorpusJobProgress before;
        try
        {
            before = await corpus.GetProgressAsync(jobId);
        }
        catch (KeyNotFoundException)
        {
            context.Error.WriteLine($"error: no job {jobId} in {store} (sta cluster status lists the jobs).");
            return ExitCodes.Failure;
        }
        if (before.IsFinished)
        {
            // Nothing to stop; saying so keeps a script that cancels twice from failing.
            context.Out.WriteLine($"job {jobId} had already {(before.Cancelled ? "been cancelled" : "finished")}: {before.Done}/{before.Total} result(s)");
            return ExitCodes.Success;
        }
        await corpus.CancelAsync(jobId);
        var after = await corpus.GetProgressAsync(jobId);
        context.Out.WriteLine($"job {jobId} cancelled with {after.Done}/{after.Total} result(s) ({after.Failed} failed); " +
                              "sta cluster score on the same corpus writes them");
        return ExitCodes.Success;
    }

    private static string State(CorpusJobProgress progress) => progress.Cancelled ? "cancelled" : progress.IsFinished ? "finished" : "running";

    private static void WriteStatusJson(TextWriter output, CorpusStore store, IReadOnlyList<(CorpusJobSummary Summary, string? Host)> jobs, IReadOnlyList<CorpusSilo> silos)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("store", store.ToString());
            w.WriteString("cluster", store.ClusterId);
            w.WriteStartArray("jobs");
            foreach (var (summary, host) in jobs)
            {
                var p = summary.Progress;
                w.WriteStartObject();
                w.WriteString("id", p.JobId);
                w.WriteString("state", State(p));
                w.WriteNumber("total", p.Total);
                w.WriteNumber("done", p.Done);
                w.WriteNumber("succeeded", p.Succeeded);
                w.WriteNumber("failed", p.Failed);
                w.WriteNumber("leased", p.Leased);
                w.WriteNumber("pending", p.Pending);
                w.WriteNumber("retries", summary.Retries);
                w.WriteString("submitted_at", p.SubmittedAt);
                if (p.FinishedAt is { } finished) w.WriteString("finished_at", finished);
                else w.WriteNull("finished_at");
                if (host is null) w.WriteNull("hosted_by");
                else w.WriteString("hosted_by", host);
                w.WriteStartObject("results_by_silo");
                foreach (var (silo, count) in summary.ResultsBySilo.OrderBy(r => r.Key, StringComparer.Ordinal)) w.WriteNumber(silo, count);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("silos");
            foreach (var silo in silos)
            {
                w.WriteStartObject();
                w.WriteString("name", silo.Name);
                w.WriteString("address", silo.Address);
                w.WriteString("status", silo.Status);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}

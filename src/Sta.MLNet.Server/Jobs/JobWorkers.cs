using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Sta.MLNet.Server.Jobs;

/// <summary>
/// The fixed set of worker threads that analyse queued jobs, one job each at a time. Dedicated threads, not the thread
/// pool: an analysis blocks for seconds to minutes in native code. Whatever one job throws fails that job only; the
/// worker goes on with the next. At shutdown the running analyses are cancelled and every upload is deleted.
/// </summary>
internal sealed class JobWorkers(JobStore store, IVideoAnalyzer analyzer, UploadFolder uploads, StaServerOptions options, ILogger<JobWorkers> logger)
    : IHostedService
{
    private readonly CancellationTokenSource _stop = new();
    private Thread[] _threads = [];

    /// <summary>True between start and stop: what /readyz reports.</summary>
    public bool IsRunning { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _threads = Enumerable.Range(0, options.Workers)
            .Select(i => new Thread(Work) { IsBackground = true, Name = $"sta-serve-worker-{i}" })
            .ToArray();
        foreach (var thread in _threads) thread.Start();
        IsRunning = true;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        IsRunning = false;
        _stop.Cancel();
        foreach (var job in store.All) job.Cancellation.Cancel();
        foreach (var thread in _threads) thread.Join(TimeSpan.FromSeconds(30));
        foreach (var job in store.All) job.ReleaseUpload();
        uploads.Delete();
        return Task.CompletedTask;
    }

    private void Work()
    {
        while (!_stop.IsCancellationRequested)
        {
            Job job;
            try
            {
                job = store.Take(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var clock = Stopwatch.StartNew();
            try
            {
                Run(job);
            }
            finally
            {
                job.ReleaseUpload();
                store.Completed(job, clock.Elapsed);
            }
        }
    }

    private void Run(Job job)
    {
        if (job.IsRemoved || job.UploadPath is not { } path) return;
        job.Start(store.Clock.GetUtcNow());
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(job.Cancellation.Token, _stop.Token);
        JobOutcome outcome;
        try
        {
            outcome = analyzer.Analyze(job.Id, path, job.FileName, new JobProgress(job), linked.Token);
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            logger.LogInformation("Job {Id} cancelled", job.Id);
            return;
        }
        catch (Exception error)
        {
            // Not a bad video (those are outcomes) but a fault of the service or the machine: the job fails with a plain
            // message, the details go to the log only, and the worker takes the next job.
            logger.LogError(error, "Job {Id} failed with an unexpected error", job.Id);
            outcome = new JobOutcome(false, null, "the video could not be analysed because of an internal error; see the server's log", "InternalError",
                new Dictionary<string, byte[]>());
        }
        // The upload goes before the job shows as finished: a client that sees the result may rely on the video being
        // gone from the server (the finally in Work releases it on the other paths).
        job.ReleaseUpload();
        job.Finish(outcome, store.Clock.GetUtcNow());
        logger.LogInformation("Job {Id} {Status}", job.Id, outcome.Succeeded ? "done" : $"failed: {outcome.Error}");
    }

    /// <summary>Reports on the calling thread (the analysis' own threads), straight into the job.</summary>
    private sealed class JobProgress(Job job) : IProgress<double>
    {
        public void Report(double value) => job.ReportProgress(value);
    }
}

/// <summary>Drops finished jobs past their retention time, once every tenth of it (at least every minute).</summary>
internal sealed class JobSweeper(JobStore store, StaServerOptions options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromTicks(Math.Clamp(options.ResultRetention.Ticks / 10, TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromMinutes(1).Ticks));
        using var timer = new PeriodicTimer(period, store.Clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) store.RemoveExpired();
        }
        catch (OperationCanceledException)
        {
        }
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Sta.MLNet.Orleans;

/// <summary>The workers a silo runs (<see cref="CorpusSiloBuilderExtensions.AddStaCorpusWorkers"/>).</summary>
public sealed class CorpusWorkerOptions
{
    /// <summary>Workers on this silo; each scores one lease at a time with the silo's one <see cref="ICorpusScorer"/>.</summary>
    public int Workers { get; set; } = 1;

    /// <summary>
    /// Videos a worker leases at once. More lets a <see cref="StaCorpusScorer"/> overlap the decoding of several videos
    /// and cuts calls to the job; fewer spreads a small corpus over more workers.
    /// </summary>
    public int VideosPerLease { get; set; } = 4;

    /// <summary>How long a worker waits before asking again when no job has work.</summary>
    public TimeSpan IdleDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a worker that is stopped cleanly may take to hand its leased videos back.</summary>
    public TimeSpan AbandonTimeout { get; set; } = TimeSpan.FromSeconds(5);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Workers, 1, nameof(Workers));
        ArgumentOutOfRangeException.ThrowIfLessThan(VideosPerLease, 1, nameof(VideosPerLease));
        ArgumentOutOfRangeException.ThrowIfLessThan(IdleDelay, TimeSpan.Zero, nameof(IdleDelay));
    }
}

/// <summary>Silo set-up for corpus scoring.</summary>
public static class CorpusSiloBuilderExtensions
{
    /// <summary>
    /// Runs <see cref="CorpusWorkerOptions.Workers"/> workers on this silo while it is active; they pull videos from
    /// every unfinished job and score them with the <see cref="ICorpusScorer"/> registered in the silo's services (add
    /// one, e.g. a <see cref="StaCorpusScorer"/> over the loaded model). The silo also needs grain storage named
    /// <see cref="CorpusStorage.ProviderName"/>. A silo without workers still hosts jobs.
    /// </summary>
    public static ISiloBuilder AddStaCorpusWorkers(this ISiloBuilder builder, Action<CorpusWorkerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<CorpusWorkerOptions>();
        if (configure is not null) options.Configure(configure);
        builder.Services.AddSingleton<CorpusWorkers>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(services => services.GetRequiredService<CorpusWorkers>());
        return builder;
    }
}

/// <summary>
/// The silo's workers. Each loops: find a job with work (the registry), lease videos from it, score them while a side
/// task renews the lease, report the results; when no job has work, wait <see cref="CorpusWorkerOptions.IdleDelay"/>.
/// Pulling means a fast silo simply comes back sooner and takes more. They start once the silo is active and stop
/// before it leaves the cluster: a clean stop hands leased videos back at once; after a kill their leases run out.
/// </summary>
internal sealed class CorpusWorkers(IGrainFactory grains, ICorpusScorer scorer, IOptions<CorpusWorkerOptions> options, ILocalSiloDetails silo,
    ILogger<CorpusWorkers> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CorpusWorkerOptions _options = options.Value;
    private readonly CancellationTokenSource _stop = new();
    private Task[] _workers = [];
    private volatile bool _handBack = true;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(CorpusWorkers), ServiceLifecycleStage.Active, Start, Stop);

    private Task Start(CancellationToken cancellationToken)
    {
        _options.Validate();
        _workers = Enumerable.Range(0, _options.Workers)
            .Select(i => Task.Run(() => Work($"{silo.Name}/{i}", i)))
            .ToArray();
        logger.LogInformation("{Count} corpus worker(s) started on {Silo}", _workers.Length, silo.Name);
        return Task.CompletedTask;
    }

    private async Task Stop(CancellationToken cancellationToken)
    {
        // A stop whose token is already cancelled is a kill: nothing may be sent any more, the leases just run out.
        _handBack = !cancellationToken.IsCancellationRequested;
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_workers).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task Work(string worker, int number)
    {
        var registry = grains.GetGrain<ICorpusRegistryGrain>(0);
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            var worked = false;
            try
            {
                var jobs = await registry.GetActiveAsync();
                // Workers start at different jobs, so several jobs progress at once rather than one after the other.
                for (var j = 0; j < jobs.Count && !stop.IsCancellationRequested; j++)
                {
                    var job = grains.GetGrain<ICorpusJobGrain>(jobs[(j + number) % jobs.Count]);
                    while (!stop.IsCancellationRequested)
                    {
                        var lease = await job.LeaseAsync(worker, _options.VideosPerLease);
                        if (lease.Items.Count == 0) break;
                        worked = true;
                        await RunLease(job, jobs[(j + number) % jobs.Count], worker, lease, stop);
                    }
                }
            }
            catch (Exception error) when (!stop.IsCancellationRequested)
            {
                // A grain call that failed while the cluster changes (a silo left, a job moving): ask again shortly.
                logger.LogWarning(error, "Worker {Worker}: {Message}", worker, error.Message);
            }
            if (!worked)
            {
                try
                {
                    await Task.Delay(_options.IdleDelay, stop);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }

    /// <summary>Scores one lease and reports it; the lease is renewed while the scorer runs.</summary>
    private async Task RunLease(ICorpusJobGrain job, string jobId, string worker, WorkLease lease, CancellationToken stop)
    {
        var indices = lease.Items.Select(i => i.Index).ToArray();
        using var scoring = CancellationTokenSource.CreateLinkedTokenSource(stop);
        using var renewing = new CancellationTokenSource();
        var renewal = Renew(job, worker, indices, lease.Duration / 3, scoring, renewing.Token);
        (List<VideoResult> Results, List<(int Index, string Error)> Failures)? outcome = null;
        try
        {
            outcome = await Score(new CorpusBatch(jobId, lease.Threshold, lease.Items), worker, scoring.Token);
        }
        catch (OperationCanceledException) when (scoring.IsCancellationRequested)
        {
        }
        finally
        {
            await renewing.CancelAsync();
            await renewal;
        }
        if (outcome is { } done)
        {
            // Reported even while stopping: the work is done, and a result that arrives late is simply dropped.
            if (done.Results.Count > 0) await job.CompleteAsync(worker, done.Results);
            foreach (var failure in done.Failures) await job.FailAsync(worker, [failure.Index], failure.Error);
        }
        else if (stop.IsCancellationRequested && _handBack)
        {
            try
            {
                await job.AbandonAsync(worker, indices).WaitAsync(_options.AbandonTimeout);
            }
            catch (Exception error)
            {
                logger.LogWarning(error, "Worker {Worker}: could not hand back {Count} video(s); their lease will run out", worker, indices.Length);
            }
        }
        // Otherwise the job was cancelled under the worker: nothing to report.
    }

    /// <summary>
    /// The scorer on the lease's videos. When it throws for several videos, each is tried alone so that one bad file
    /// fails only itself; the results get the worker and attempt stamped on.
    /// </summary>
    private async Task<(List<VideoResult>, List<(int, string)>)> Score(CorpusBatch batch, string worker, CancellationToken cancellationToken)
    {
        var results = new List<VideoResult>();
        var failures = new List<(int, string)>();
        try
        {
            Collect(batch, await scorer.ScoreAsync(batch, cancellationToken), worker, results, failures);
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (batch.Videos.Count == 1)
            {
                failures.Add((batch.Videos[0].Index, error.Message));
            }
            else
            {
                foreach (var video in batch.Videos)
                {
                    var single = batch with { Videos = [video] };
                    try
                    {
                        Collect(single, await scorer.ScoreAsync(single, cancellationToken), worker, results, failures);
                    }
                    catch (Exception alone) when (alone is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    {
                        failures.Add((video.Index, alone.Message));
                    }
                }
            }
        }
        return (results, failures);
    }

    private static void Collect(CorpusBatch batch, IReadOnlyList<VideoResult> scored, string worker, List<VideoResult> results, List<(int, string)> failures)
    {
        var byIndex = new Dictionary<int, VideoResult>();
        foreach (var result in scored) byIndex.TryAdd(result.Index, result);
        foreach (var video in batch.Videos)
        {
            if (byIndex.TryGetValue(video.Index, out var result)) results.Add(result with { Worker = worker, Attempt = video.Attempt });
            else failures.Add((video.Index, "the scorer returned no result for the video"));
        }
    }

    /// <summary>Renews the lease until scoring ends; cancels scoring when the job says it was cancelled.</summary>
    private async Task Renew(ICorpusJobGrain job, string worker, int[] indices, TimeSpan every, CancellationTokenSource scoring, CancellationToken done)
    {
        while (!done.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, done);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                if (!await job.RenewAsync(worker, indices)) await scoring.CancelAsync();
            }
            catch (Exception error) when (!done.IsCancellationRequested)
            {
                // The job may be moving to another silo; the next renewal (or, failing all, lease expiry) settles it.
                logger.LogDebug(error, "Worker {Worker}: renewal failed", worker);
            }
        }
    }
}

using System.Runtime.CompilerServices;

namespace Sta.MLNet.Orleans;

/// <summary>
/// Submits corpus jobs to a cluster and follows them: progress, results as they are written, the summary,
/// cancellation. Holds no state of its own, so a client that restarts picks a job up again by submitting the same
/// manifest (or by its id) and reading results from any offset.
/// </summary>
public sealed class CorpusClient
{
    private readonly IGrainFactory _grains;

    /// <param name="grains">The cluster client (<c>IClusterClient</c>), or a silo's grain factory.</param>
    public CorpusClient(IGrainFactory grains) => _grains = grains ?? throw new ArgumentNullException(nameof(grains));

    /// <summary>How often followers ask when nothing changed.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Starts the job for <paramref name="manifest"/>, or attaches to it when it exists (same videos, same threshold:
    /// <see cref="CorpusManifest.JobId"/>). An attached job keeps the settings it was started with.
    /// </summary>
    public async Task<CorpusSubmission> SubmitAsync(CorpusManifest manifest, CorpusJobOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        options ??= new CorpusJobOptions();
        options.Validate();
        var id = manifest.JobId(options);
        var outcome = await Job(id).SubmitAsync(manifest.Videos, options);
        return new CorpusSubmission(id, outcome.Attached, outcome.Progress);
    }

    /// <summary>Where the job stands.</summary>
    /// <exception cref="KeyNotFoundException">No job has this id.</exception>
    public async Task<CorpusJobProgress> GetProgressAsync(string jobId) =>
        await Job(jobId).GetProgressAsync() ?? throw NotFound(jobId);

    /// <summary>The job's figures: progress, retries, results per silo.</summary>
    /// <exception cref="KeyNotFoundException">No job has this id.</exception>
    public async Task<CorpusJobSummary> GetSummaryAsync(string jobId) =>
        await Job(jobId).GetSummaryAsync() ?? throw NotFound(jobId);

    /// <summary>Stops handing out the job's videos; results recorded so far stay, the others get none.</summary>
    public Task CancelAsync(string jobId) => Job(jobId).CancelAsync();

    /// <summary>
    /// The job's progress each time it changes, ending with the finished state. Cancelling
    /// <paramref name="cancellationToken"/> stops following, not the job.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No job has this id.</exception>
    public async IAsyncEnumerable<CorpusJobProgress> FollowAsync(string jobId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        CorpusJobProgress? last = null;
        while (true)
        {
            var progress = await GetProgressAsync(jobId);
            if (progress != last) yield return progress;
            if (progress.IsFinished) yield break;
            last = progress;
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>
    /// The job's results from <paramref name="offset"/> on, in the order they were written; with
    /// <paramref name="follow"/>, waits for more until the job is finished, otherwise stops at what is written now. A
    /// reader that stops after n results resumes with offset n and misses nothing, duplicates nothing.
    /// </summary>
    public async IAsyncEnumerable<VideoResult> ReadResultsAsync(string jobId, int offset = 0, bool follow = true,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        const int page = 512;
        var job = Job(jobId);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var results = await job.GetResultsAsync(offset, page);
            foreach (var result in results.Results) yield return result;
            offset = results.Next;
            if (results.End) yield break;
            if (results.Results.Count < page)
            {
                if (!follow) yield break;
                await Task.Delay(PollInterval, cancellationToken);
            }
        }
    }

    /// <summary>Every job the cluster knows, oldest first, with its progress.</summary>
    public async Task<IReadOnlyList<CorpusJobProgress>> ListJobsAsync()
    {
        var ids = await _grains.GetGrain<ICorpusRegistryGrain>(0).GetAllAsync();
        var progress = await Task.WhenAll(ids.Select(id => Job(id).GetProgressAsync()));
        return progress.OfType<CorpusJobProgress>().ToList();
    }

    /// <summary>The silos in the cluster's membership table (active ones only, unless <paramref name="all"/>).</summary>
    public async Task<IReadOnlyList<CorpusSilo>> ListSilosAsync(bool all = false)
    {
        var hosts = await _grains.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: !all);
        return hosts.Select(h => new CorpusSilo(h.SiloName, h.SiloAddress.ToString(), h.Status.ToString())).ToList();
    }

    /// <summary>
    /// The address of the silo that hosts the job's grain now (as <see cref="CorpusSilo.Address"/> writes it), or null
    /// when the job is not active anywhere (finished and collected, or between silos after a failure).
    /// </summary>
    public async Task<string?> GetJobSiloAsync(string jobId)
    {
        var silo = await _grains.GetGrain<IManagementGrain>(0).GetActivationAddress(Job(jobId));
        return silo?.ToString();
    }

    internal ICorpusJobGrain Job(string jobId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        return _grains.GetGrain<ICorpusJobGrain>(jobId);
    }

    private static KeyNotFoundException NotFound(string jobId) => new($"No corpus job {jobId} in this cluster.");
}

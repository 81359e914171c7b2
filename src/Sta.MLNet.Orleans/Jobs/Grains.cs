using Orleans.Concurrency;

namespace Sta.MLNet.Orleans;

/// <summary>The grain storage provider name the job and registry grains persist through (configure it on every silo).</summary>
public static class CorpusStorage
{
    /// <summary>"sta-corpus": <see cref="CorpusStoreExtensions.UseStaCorpusStore(ISiloBuilder, CorpusStore)"/> registers it (memory or Redis); a host may register any other provider under this name.</summary>
    public const string ProviderName = "sta-corpus";
}

/// <summary>What a worker got from a job: videos to score, or nothing (the queue is empty or the job is over).</summary>
[GenerateSerializer, Immutable]
internal sealed record WorkLease
{
    [Id(0)] public IReadOnlyList<CorpusWorkItem> Items { get; init; } = [];

    /// <summary>Renew before this runs out (measured from the answer), or the videos go back to the queue.</summary>
    [Id(1)] public TimeSpan Duration { get; init; }

    [Id(2)] public double Threshold { get; init; }

    /// <summary>True when the job will hand out nothing more (finished or cancelled): the worker drops it.</summary>
    [Id(3)] public bool JobOver { get; init; }
}

/// <summary>A stretch of a job's results in the order they were recorded (and persisted): a stream a reader resumes by offset.</summary>
[GenerateSerializer, Immutable]
internal sealed record ResultPage
{
    [Id(0)] public IReadOnlyList<VideoResult> Results { get; init; } = [];

    /// <summary>The offset to ask for next.</summary>
    [Id(1)] public int Next { get; init; }

    /// <summary>True when the job is finished and <see cref="Next"/> is past its last result: the stream has ended.</summary>
    [Id(2)] public bool End { get; init; }
}

[GenerateSerializer, Immutable]
internal sealed record SubmitOutcome
{
    [Id(0)] public bool Attached { get; init; }

    [Id(1)] public required CorpusJobProgress Progress { get; init; }
}

/// <summary>
/// One corpus job, keyed by its id (<see cref="CorpusManifest.JobId"/>). Workers pull leases of videos from it and
/// report results; it records exactly one result per video, whoever reports first.
/// </summary>
internal interface ICorpusJobGrain : IGrainWithStringKey
{
    /// <summary>Creates the job, or attaches to it when it exists with the same videos.</summary>
    Task<SubmitOutcome> SubmitAsync(IReadOnlyList<CorpusVideo> videos, CorpusJobOptions options);

    /// <summary>Up to <paramref name="max"/> videos for <paramref name="worker"/>, leased to it.</summary>
    Task<WorkLease> LeaseAsync(string worker, int max);

    /// <summary>Extends the worker's leases on <paramref name="items"/>; false when the job was cancelled (stop scoring).</summary>
    Task<bool> RenewAsync(string worker, IReadOnlyList<int> items);

    /// <summary>Records results (a video that has one already keeps it); false when the job will hand out nothing more.</summary>
    Task<bool> CompleteAsync(string worker, IReadOnlyList<VideoResult> results);

    /// <summary>The scorer threw for these videos: they go back to the queue, or get an error result once out of attempts.</summary>
    Task FailAsync(string worker, IReadOnlyList<int> items, string error);

    /// <summary>The worker is shutting down cleanly: the videos go back to the queue and the lease does not count as an attempt.</summary>
    Task AbandonAsync(string worker, IReadOnlyList<int> items);

    Task CancelAsync();

    [ReadOnly]
    Task<CorpusJobProgress?> GetProgressAsync();

    [ReadOnly]
    Task<CorpusJobSummary?> GetSummaryAsync();

    /// <summary>Persisted results from <paramref name="offset"/> on, at most <paramref name="max"/>.</summary>
    [ReadOnly]
    Task<ResultPage> GetResultsAsync(int offset, int max);

    /// <summary>The name of the silo the job is active on (tests stop that one).</summary>
    [ReadOnly]
    Task<string> GetHostAsync();
}

/// <summary>The list of jobs (one per cluster, key 0): workers read the active ones, <c>status</c> lists all.</summary>
internal interface ICorpusRegistryGrain : IGrainWithIntegerKey
{
    Task AddAsync(string jobId);

    Task FinishedAsync(string jobId);

    [ReadOnly]
    Task<IReadOnlyList<string>> GetActiveAsync();

    [ReadOnly]
    Task<IReadOnlyList<string>> GetAllAsync();
}

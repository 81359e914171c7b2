using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Storage;

namespace Sta.MLNet.Orleans;

/// <summary>What never changes after submission: the videos and the settings.</summary>
[GenerateSerializer]
internal sealed class JobDefinition
{
    [Id(0)] public List<CorpusVideo> Videos { get; set; } = [];

    [Id(1)] public CorpusJobOptions Options { get; set; } = new();

    [Id(2)] public DateTimeOffset SubmittedAt { get; set; }
}

/// <summary>
/// The small, often written part: leases handed out per video and how the job ended. It is written before a lease
/// leaves the grain, so the cap on attempts holds even when the job's own silo dies. It holds attempts only for videos
/// whose result is not written yet (a written result carries its own attempt), so its size follows the work in flight,
/// not the corpus: a ledger of every video would make each lease cost a write as large as the corpus.
/// </summary>
[GenerateSerializer]
internal sealed class JobLedger
{
    [Id(1)] public bool Cancelled { get; set; }

    [Id(2)] public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>Leases so far, by video index, for videos leased at least once whose result is not written yet.</summary>
    [Id(3)] public Dictionary<int, int> Attempts { get; set; } = [];
}

/// <summary>
/// One stored stretch of the results, in the order they were recorded: record k holds results k·size to (k+1)·size - 1
/// (see <see cref="CorpusJobGrain"/>). Only the last, open record is ever rewritten.
/// </summary>
[GenerateSerializer]
internal sealed class JobResults
{
    [Id(0)] public List<VideoResult> Results { get; set; } = [];
}

/// <summary>
/// A corpus job. Work is pulled: workers lease videos, renew their leases while they score, and report one result per
/// video. A lease that is not renewed in time (the worker's silo died or hangs) puts the video back in the queue; a late
/// result for a video that has one already is dropped, so each video ends with exactly one result however often it ran.
/// State is in three parts written at their own pace: the definition once, the ledger (attempts of unfinished videos,
/// end) before every lease, the results behind, in batches. The results are stored in records of
/// <see cref="ResultsPerRecord"/> each, so a write rewrites at most the open record: rewriting all results, or a ledger
/// of every video, at each write would cost time quadratic in the corpus. A result that was recorded but not yet
/// written when the grain's silo dies is lost with it and its video runs again; only written results are visible to
/// readers, so nobody sees a result that could still be replaced.
/// </summary>
internal sealed class CorpusJobGrain(
    [PersistentState("definition", CorpusStorage.ProviderName)] IPersistentState<JobDefinition> definition,
    [PersistentState("ledger", CorpusStorage.ProviderName)] IPersistentState<JobLedger> ledger,
    ILocalSiloDetails silo, ILogger<CorpusJobGrain> logger) : Grain, ICorpusJobGrain
{
    /// <summary>Results written at once at most this far apart (by count, or by time on the timer).</summary>
    private const int WriteEvery = 256;
    /// <summary>Results per stored record: a few writes' worth, so a write costs a bounded amount however large the job.</summary>
    internal const int ResultsPerRecord = 4 * WriteEvery;
    private static readonly TimeSpan WriteInterval = TimeSpan.FromMilliseconds(500);
    /// <summary>Owner of the leases that a previous activation handed out and this one cannot know about.</summary>
    private const string UnknownWorker = "";

    private readonly Dictionary<int, Lease> _leases = [];
    private readonly LinkedList<int> _queue = new();
    /// <summary>Every result recorded, in order; the first <see cref="_written"/> are on storage.</summary>
    private readonly List<VideoResult> _results = [];
    /// <summary>The stored result records, with their ETags, in order.</summary>
    private readonly List<GrainState<JobResults>> _records = [];
    private IGrainStorage? _storage;
    /// <summary>Leases per video, every video (the ledger on storage keeps only those of videos without a written result).</summary>
    private int[] _attempts = [];
    private bool[] _done = [];
    private int _succeeded;
    private int _failed;
    private int _written;
    private DateTimeOffset _lastWrite;
    private IGrainTimer? _timer;

    private readonly record struct Lease(string Worker, DateTimeOffset Until);

    private bool Exists => definition.RecordExists;
    private CorpusJobOptions Options => definition.State.Options;
    private bool Over => ledger.State.FinishedAt is not null;
    private static DateTimeOffset Now => TimeProvider.System.GetUtcNow();

    private IGrainStorage Storage => _storage ??= ServiceProvider.GetRequiredKeyedService<IGrainStorage>(CorpusStorage.ProviderName);

    private static string RecordName(int record) => $"results-{record}";

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!Exists) return;
        await ReadResults();
        Rebuild();
        if (!Over) await GrainFactory.GetGrain<ICorpusRegistryGrain>(0).AddAsync(this.GetPrimaryKeyString());
        StartTimer();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (Exists && _written < _results.Count) await WriteResults();
    }

    /// <summary>The written results: records in order, up to the first one missing or not full (records fill in order).</summary>
    private async Task ReadResults()
    {
        _results.Clear();
        _records.Clear();
        while (true)
        {
            var record = new GrainState<JobResults>(new JobResults());
            await Storage.ReadStateAsync(RecordName(_records.Count), this.GetGrainId(), record);
            if (!record.RecordExists) break;
            _records.Add(record);
            var stored = record.State?.Results ?? [];
            _results.AddRange(stored);
            if (stored.Count < ResultsPerRecord) break;
        }
    }

    /// <summary>The in-memory view of a job read from storage: what is done, what waits, what may still be running.</summary>
    private void Rebuild()
    {
        var count = definition.State.Videos.Count;
        _done = new bool[count];
        _attempts = new int[count];
        _succeeded = _failed = 0;
        foreach (var result in _results)
        {
            _done[result.Index] = true;
            _attempts[result.Index] = result.Attempt;
            if (result.Succeeded) _succeeded++;
            else _failed++;
        }
        // The stored ledger may still list videos whose results were written after its last write; they leave it here.
        foreach (var (index, attempts) in ledger.State.Attempts.ToList())
        {
            var known = index >= 0 && index < count;
            if (known) _attempts[index] = Math.Max(_attempts[index], attempts);
            if (!known || _done[index]) ledger.State.Attempts.Remove(index);
        }
        _written = _results.Count;
        _lastWrite = Now;
        _queue.Clear();
        _leases.Clear();
        if (Over) return;
        var until = Now + Options.LeaseDuration;
        for (var i = 0; i < count; i++)
        {
            if (_done[i]) continue;
            // A video out of attempts was leased for the last time by the previous activation; its worker may still be
            // scoring it, so it gets one lease period (and adoption through RenewAsync) before it is declared lost.
            if (_attempts[i] >= Options.MaxAttempts) _leases[i] = new Lease(UnknownWorker, until);
            else _queue.AddLast(i);
        }
    }

    private void StartTimer()
    {
        if (_timer is not null || Over) return;
        // Expiry and delayed writes must happen even when no worker calls (every worker gone, or a quiet stretch).
        // KeepAlive: an unfinished job stays active, since its leases live only in this activation.
        _timer = this.RegisterGrainTimer(OnTimer, new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)) { KeepAlive = true });
    }

    private async Task OnTimer(CancellationToken cancellationToken)
    {
        await Reclaim();
        if (_written < _results.Count && Now - _lastWrite >= WriteInterval) await WriteResults();
        if (Over)
        {
            _timer?.Dispose();
            _timer = null;
        }
    }

    public async Task<SubmitOutcome> SubmitAsync(IReadOnlyList<CorpusVideo> videos, CorpusJobOptions options)
    {
        ArgumentNullException.ThrowIfNull(videos);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var id = this.GetPrimaryKeyString();
        if (Exists)
        {
            // Same id, same videos (the id is their hash): a rerun attaches. Different ones would be a hash collision or a
            // caller inventing ids; neither may silently get another corpus's results.
            if (!definition.State.Videos.SequenceEqual(videos))
                throw new InvalidOperationException($"Job {id} exists with other videos.");
            if (!Over) await GrainFactory.GetGrain<ICorpusRegistryGrain>(0).AddAsync(id);
            return new SubmitOutcome { Attached = true, Progress = Progress() };
        }
        if (videos.Count == 0) throw new ArgumentException("A corpus job needs at least one video.", nameof(videos));
        definition.State = new JobDefinition { Videos = [.. videos], Options = options, SubmittedAt = Now };
        ledger.State = new JobLedger();
        _results.Clear();
        _records.Clear();
        // Ledger first: a definition on storage means a complete job (no result record yet means no results).
        await ledger.WriteStateAsync();
        await definition.WriteStateAsync();
        Rebuild();
        StartTimer();
        await GrainFactory.GetGrain<ICorpusRegistryGrain>(0).AddAsync(id);
        logger.LogInformation("Job {Job}: {Count} video(s) submitted", id, videos.Count);
        return new SubmitOutcome { Attached = false, Progress = Progress() };
    }

    public async Task<WorkLease> LeaseAsync(string worker, int max)
    {
        if (!Exists || Over) return new WorkLease { JobOver = true };
        await Reclaim();
        if (Over) return new WorkLease { JobOver = true };
        var items = new List<CorpusWorkItem>();
        var until = Now + Options.LeaseDuration;
        while (items.Count < max && _queue.First is { } node)
        {
            _queue.RemoveFirst();
            var index = node.Value;
            // Adopted leases and late results leave stale queue entries behind; they are skipped here.
            if (_done[index] || _leases.ContainsKey(index)) continue;
            var attempt = ledger.State.Attempts[index] = ++_attempts[index];
            _leases[index] = new Lease(worker, until);
            var video = definition.State.Videos[index];
            items.Add(new CorpusWorkItem { Index = index, Path = video.Path, Label = video.Label, Attempt = attempt });
        }
        if (items.Count > 0) await ledger.WriteStateAsync();
        return new WorkLease { Items = items, Duration = Options.LeaseDuration, Threshold = Options.Threshold };
    }

    public Task<bool> RenewAsync(string worker, IReadOnlyList<int> items)
    {
        if (!Exists || Over) return Task.FromResult(false);
        var until = Now + Options.LeaseDuration;
        foreach (var index in items)
        {
            if (index < 0 || index >= _done.Length || _done[index]) continue;
            // A renewal also adopts a video this activation does not know to be leased (the job's silo died and the
            // job came back from storage while the worker kept scoring): the worker keeps it instead of starting over.
            if (!_leases.TryGetValue(index, out var lease) || lease.Worker == worker || lease.Worker == UnknownWorker)
                _leases[index] = new Lease(worker, until);
        }
        return Task.FromResult(true);
    }

    public async Task<bool> CompleteAsync(string worker, IReadOnlyList<VideoResult> reported)
    {
        // A cancelled job's results are the ones it had when it was cancelled: later ones are dropped, not half-kept.
        if (!Exists || Over) return false;
        foreach (var result in reported)
        {
            if (result.Index < 0 || result.Index >= _done.Length) continue;
            Record(result);
        }
        await AfterChange();
        return !Over;
    }

    public async Task FailAsync(string worker, IReadOnlyList<int> items, string error)
    {
        if (!Exists || Over) return;
        foreach (var index in items)
        {
            if (index < 0 || index >= _done.Length || _done[index]) continue;
            if (_leases.TryGetValue(index, out var lease) && lease.Worker != worker) continue;
            _leases.Remove(index);
            GiveUpOrRequeue(index, $"failed on attempt {_attempts[index]}: {error}", worker);
        }
        await AfterChange();
    }

    public async Task AbandonAsync(string worker, IReadOnlyList<int> items)
    {
        if (!Exists || Over) return;
        var refunded = false;
        foreach (var index in items)
        {
            if (index < 0 || index >= _done.Length || _done[index]) continue;
            if (!_leases.TryGetValue(index, out var lease) || lease.Worker != worker) continue;
            _leases.Remove(index);
            // A clean shutdown is not the video's fault: the lease does not count against its attempts.
            ledger.State.Attempts[index] = _attempts[index] = Math.Max(0, _attempts[index] - 1);
            _queue.AddFirst(index);
            refunded = true;
        }
        if (refunded) await ledger.WriteStateAsync();
    }

    public async Task CancelAsync()
    {
        if (!Exists || Over) return;
        ledger.State.Cancelled = true;
        _leases.Clear();
        _queue.Clear();
        await Finish();
        logger.LogInformation("Job {Job}: cancelled with {Done} of {Total} result(s)", this.GetPrimaryKeyString(), _succeeded + _failed, _done.Length);
    }

    public Task<CorpusJobProgress?> GetProgressAsync() => Task.FromResult(Exists ? Progress() : null);

    public Task<CorpusJobSummary?> GetSummaryAsync()
    {
        if (!Exists) return Task.FromResult<CorpusJobSummary?>(null);
        var bySilo = _results
            .GroupBy(r => r.Worker is { } w && w.LastIndexOf('/') is var slash and > 0 ? w[..slash] : "")
            .ToDictionary(g => g.Key, g => g.Count());
        var leases = _attempts.Sum();
        return Task.FromResult<CorpusJobSummary?>(new CorpusJobSummary
        {
            Progress = Progress(),
            Options = Options,
            Retries = Math.Max(0, leases - _attempts.Count(a => a > 0)),
            ResultsBySilo = bySilo,
        });
    }

    public Task<ResultPage> GetResultsAsync(int offset, int max)
    {
        if (!Exists) return Task.FromResult(new ResultPage { End = true });
        offset = Math.Clamp(offset, 0, _written);
        var count = Math.Clamp(max, 0, _written - offset);
        var page = _results.GetRange(offset, count);
        var next = offset + count;
        var end = Over && next == _written && _written == _results.Count;
        return Task.FromResult(new ResultPage { Results = page, Next = next, End = end });
    }

    public Task<string> GetHostAsync() => Task.FromResult(silo.Name);

    /// <summary>Keeps the first result of a video; any later one (a retry that overlapped, a worker presumed lost) is dropped.</summary>
    private void Record(VideoResult result)
    {
        var index = result.Index;
        if (_done[index]) return;
        _done[index] = true;
        _leases.Remove(index);
        _results.Add(result);
        if (result.Succeeded) _succeeded++;
        else _failed++;
    }

    private void GiveUpOrRequeue(int index, string reason, string? worker)
    {
        if (_attempts[index] < Options.MaxAttempts)
        {
            // Retried next, ahead of videos that have not started: a failing video does not wait for the whole corpus.
            _queue.AddFirst(index);
            return;
        }
        var video = definition.State.Videos[index];
        Record(ErrorResult(index, video, $"gave up after {_attempts[index]} attempt(s); last: {reason}", _attempts[index]));
        logger.LogWarning("Job {Job}: {Path} gave up ({Reason}; worker {Worker})", this.GetPrimaryKeyString(), video.Path, reason, worker);
    }

    /// <summary>Leases past their time go back to the queue (or to an error result when out of attempts).</summary>
    private async Task Reclaim()
    {
        if (Over || _leases.Count == 0) return;
        var now = Now;
        List<int>? expired = null;
        foreach (var (index, lease) in _leases)
            if (lease.Until <= now) (expired ??= []).Add(index);
        if (expired is null) return;
        foreach (var index in expired)
        {
            var worker = _leases[index].Worker;
            _leases.Remove(index);
            GiveUpOrRequeue(index, worker == UnknownWorker
                ? "its worker was lost with the job's previous activation"
                : $"its worker {worker} stopped renewing the lease", worker);
        }
        await AfterChange();
    }

    private async Task AfterChange()
    {
        if (!Over && _succeeded + _failed == _done.Length) await Finish();
        else if (_results.Count - _written >= WriteEvery) await WriteResults();
    }

    private async Task Finish()
    {
        ledger.State.FinishedAt = Now;
        await WriteResults();
        await ledger.WriteStateAsync();
        await GrainFactory.GetGrain<ICorpusRegistryGrain>(0).FinishedAsync(this.GetPrimaryKeyString());
    }

    /// <summary>
    /// Writes the records that hold unwritten results: the open one, and any after it (full ones are never rewritten).
    /// Videos whose results are now written leave the ledger (its next write stores the smaller one).
    /// </summary>
    private async Task WriteResults()
    {
        var count = _results.Count;
        for (var r = _written / ResultsPerRecord; r * ResultsPerRecord < count; r++)
        {
            if (r == _records.Count) _records.Add(new GrainState<JobResults>(new JobResults()));
            var record = _records[r];
            var start = r * ResultsPerRecord;
            // A fresh list each time: the storage may keep or serialize it later, and the in-memory results go on growing.
            record.State = new JobResults { Results = _results.GetRange(start, Math.Min(ResultsPerRecord, count - start)) };
            await Storage.WriteStateAsync(RecordName(r), this.GetGrainId(), record);
        }
        for (var i = _written; i < count; i++) ledger.State.Attempts.Remove(_results[i].Index);
        _written = count;
        _lastWrite = Now;
    }

    private CorpusJobProgress Progress() => new()
    {
        JobId = this.GetPrimaryKeyString(),
        Total = _done.Length,
        Succeeded = _succeeded,
        Failed = _failed,
        Leased = _leases.Count,
        Cancelled = ledger.State.Cancelled,
        SubmittedAt = definition.State.SubmittedAt,
        FinishedAt = ledger.State.FinishedAt,
    };

    /// <summary>An error result in the <c>sta.score/1</c> layout, for a video the job gave up on.</summary>
    internal static VideoResult ErrorResult(int index, CorpusVideo video, string error, int attempts) =>
        VideoResult.FromReport(index, VideoResult.Bare(video.Path, video.Label, error, probability: null), threshold: 0.5, attempts);
}

using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Sta.MLNet.Server.Jobs;

/// <summary>
/// Every job the service knows, the bounded queue of those waiting for a worker, and the retention of finished ones.
/// The queue never holds more than <see cref="StaServerOptions.QueueCapacity"/> jobs; a job deleted while queued leaves
/// it at once. Finished jobs stay for <see cref="StaServerOptions.ResultRetention"/>, and at most
/// <see cref="StaServerOptions.MaxRetainedJobs"/> of them (the oldest go first), so memory stays bounded.
/// </summary>
internal sealed class JobStore(StaServerOptions options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, Job> _jobs = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private readonly LinkedList<Job> _queue = new();
    private readonly SemaphoreSlim _available = new(0);
    private int _running;
    private double _meanSeconds = 10;

    public TimeProvider Clock => clock;

    public int Queued
    {
        get
        {
            lock (_gate) return _queue.Count;
        }
    }

    public int Running => Volatile.Read(ref _running);

    public bool IsQueueFull => Queued >= options.QueueCapacity;

    /// <summary>A new job id: 128 random bits, so ids cannot be guessed from one another.</summary>
    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public Job? Find(string id) => _jobs.TryGetValue(id, out var job) && !job.IsRemoved ? job : null;

    /// <summary>Queues <paramref name="job"/>; false (and nothing recorded) when the queue is full.</summary>
    public bool TryEnqueue(Job job)
    {
        lock (_gate)
        {
            if (_queue.Count >= options.QueueCapacity) return false;
            _jobs[job.Id] = job;
            _queue.AddLast(job);
        }
        _available.Release();
        return true;
    }

    /// <summary>Blocks until a queued job is there (and returns it, counted as running) or <paramref name="stop"/> is cancelled.</summary>
    public Job Take(CancellationToken stop)
    {
        while (true)
        {
            _available.Wait(stop);
            lock (_gate)
            {
                if (_queue.First is { } first)
                {
                    _queue.RemoveFirst();
                    _running++;
                    return first.Value;
                }
            }
        }
    }

    /// <summary>A worker is done with <paramref name="job"/> (finished, failed or cancelled).</summary>
    public void Completed(Job job, TimeSpan took)
    {
        // Trimmed before the job stops counting as running, so that an idle store is also a trimmed one.
        TrimFinished();
        lock (_gate)
        {
            _running--;
            // A running estimate of a job's duration, for the Retry-After of a full queue.
            _meanSeconds = 0.8 * _meanSeconds + 0.2 * Math.Max(0.1, took.TotalSeconds);
        }
    }

    /// <summary>Seconds a client should wait before trying again with a full queue: the queue's estimated drain time.</summary>
    public int RetryAfterSeconds()
    {
        lock (_gate)
        {
            var seconds = _meanSeconds * (_queue.Count + _running) / options.Workers;
            return (int)Math.Clamp(Math.Ceiling(seconds), 1, 3600);
        }
    }

    /// <summary>Deletes a job: leaves the queue, its analysis is cancelled, its result and upload are dropped.</summary>
    public bool Delete(string id)
    {
        if (!_jobs.TryRemove(id, out var job)) return false;
        lock (_gate) _queue.Remove(job);
        job.Remove();
        // A running job's worker deletes the upload when it stops; a queued job's is deleted here.
        if (job.Status == JobStatus.Queued) job.ReleaseUpload();
        return true;
    }

    /// <summary>Drops finished jobs older than the retention time; returns how many.</summary>
    public int RemoveExpired()
    {
        var now = clock.GetUtcNow();
        var removed = 0;
        foreach (var job in _jobs.Values)
        {
            if (job.Finished is { } finished && now - finished >= options.ResultRetention && _jobs.TryRemove(job.Id, out _))
            {
                job.Remove();
                removed++;
            }
        }
        return removed;
    }

    /// <summary>Keeps at most <see cref="StaServerOptions.MaxRetainedJobs"/> finished jobs, dropping the oldest.</summary>
    private void TrimFinished()
    {
        var finished = _jobs.Values.Where(j => j.Finished is not null).OrderBy(j => j.Finished).ToList();
        foreach (var job in finished.Take(Math.Max(0, finished.Count - options.MaxRetainedJobs)))
        {
            if (_jobs.TryRemove(job.Id, out _)) job.Remove();
        }
    }

    /// <summary>Every job still known (for shutdown).</summary>
    public IReadOnlyCollection<Job> All => _jobs.Values.ToList();
}

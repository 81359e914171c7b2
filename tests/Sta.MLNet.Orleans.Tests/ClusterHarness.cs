using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Sta.MLNet.Orleans.Tests;

/// <summary>Minutes only as a deadlock guard: every wait ends on an observed state, never on elapsed time.</summary>
internal static class Guard
{
    public static readonly TimeSpan Time = TimeSpan.FromMinutes(4);

    /// <summary>Polls <paramref name="read"/> until <paramref name="done"/> holds (the guard only turns a hang into a failure).</summary>
    public static async Task<T> Until<T>(Func<Task<T>> read, Func<T, bool> done, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (done(value)) return value;
            Assert.True(clock.Elapsed < Time, $"{what} did not happen (deadlock guard); last: {value}");
            await Task.Delay(50);
        }
    }
}

/// <summary>
/// Three silos in this process, each with its own workers and scorer, all persisting to one store: Orleans' memory
/// storage, or <see cref="SharedGrainStorage"/> where a test stops silos (memory storage keeps its data in grains, so a
/// stopped silo would take part of it along, which no real store does).
/// </summary>
internal sealed class ClusterHarness : IAsyncDisposable
{
    private ClusterHarness(InProcessTestCluster cluster) => Cluster = cluster;

    public InProcessTestCluster Cluster { get; }

    public CorpusClient Client => new(Cluster.Client) { PollInterval = TimeSpan.FromMilliseconds(50) };

    /// <param name="scorer">The scorer of every silo (silos share it here, as they share this process).</param>
    /// <param name="sharedStore">Persist to a store that outlives silos; null: Orleans' memory storage.</param>
    /// <param name="output">Where the silos' log goes (printed when the test fails); null: nowhere.</param>
    public static async Task<ClusterHarness> Start(ICorpusScorer scorer, SharedGrainStorage.Store? sharedStore = null, int silos = 3,
        int workersPerSilo = 2, int videosPerLease = 2, Xunit.Abstractions.ITestOutputHelper? output = null)
    {
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.ConfigureSilo((_, silo) =>
        {
            if (output is not null) silo.Services.AddLogging(logging => logging.AddProvider(new TestOutputLoggerProvider(output)));
            if (sharedStore is null) silo.AddMemoryGrainStorage(CorpusStorage.ProviderName);
            else silo.Services.AddGrainStorage(CorpusStorage.ProviderName, (services, _) =>
                new SharedGrainStorage(sharedStore, services.GetRequiredService<Serializer>()));
            silo.Services.AddSingleton(scorer);
            silo.AddStaCorpusWorkers(o =>
            {
                o.Workers = workersPerSilo;
                o.VideosPerLease = videosPerLease;
                o.IdleDelay = TimeSpan.FromMilliseconds(20);
                o.AbandonTimeout = TimeSpan.FromSeconds(10);
            });
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new ClusterHarness(cluster);
    }

    public InProcessSiloHandle Silo(string name) => Cluster.Silos.Single(s => s.Name == name);

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }
}

/// <summary>
/// Grain storage kept outside the silos (one <see cref="Store"/> per test, shared by its silos), as Redis or PostgreSQL
/// would keep it: states are serialized copies, so what a grain has not written is lost with it, and writes check the
/// ETag as real providers do.
/// </summary>
internal sealed class SharedGrainStorage(SharedGrainStorage.Store store, Serializer serializer) : IGrainStorage
{
    public sealed class Store
    {
        public ConcurrentDictionary<string, (byte[] Data, string ETag)> Records { get; } = new();
        public int Writes;
    }

    private static string Key(string stateName, GrainId grainId) => $"{grainId}/{stateName}";

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (store.Records.TryGetValue(Key(stateName, grainId), out var record))
        {
            grainState.State = serializer.Deserialize<T>(record.Data);
            grainState.ETag = record.ETag;
            grainState.RecordExists = true;
        }
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = Key(stateName, grainId);
        var data = serializer.SerializeToArray(grainState.State);
        var etag = Guid.NewGuid().ToString("N");
        lock (store)
        {
            var exists = store.Records.TryGetValue(key, out var current);
            if ((exists ? current.ETag : null) != grainState.ETag)
                throw new InconsistentStateException($"ETag mismatch on {key}", exists ? current.ETag : null, grainState.ETag);
            store.Records[key] = (data, etag);
            store.Writes++;
        }
        grainState.ETag = etag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        store.Records.TryRemove(Key(stateName, grainId), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }
}

/// <summary>
/// A scorer for cluster tests, with no model: paths with "bad" get an error result (as a file that does not decode),
/// paths with "crash" make it throw (as a fault of the scorer), others get <see cref="NoOpCorpusScorer"/>'s score. An
/// optional gate lets a fixed number of videos that yield results through and holds the rest until the test opens it, so
/// a test can act mid-job at a known point.
/// </summary>
internal sealed class ScriptedScorer(int allowance = int.MaxValue) : ICorpusScorer
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _passed;
    private int _calls;

    /// <summary>Videos handed to the scorer over all calls (retries and duplicates included).</summary>
    public ConcurrentBag<int> Scored { get; } = [];

    public int Calls => Volatile.Read(ref _calls);

    public void Open() => _open.TrySetResult();

    public async Task<IReadOnlyList<VideoResult>> ScoreAsync(CorpusBatch batch, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        // A batch that will throw neither waits nor counts: its retries (the batch, then each video alone, up to
        // MaxAttempts leases) would otherwise spend the allowance in an order set by thread timing, and a busy machine
        // that happens to run them first would reach the gate with almost nothing scored. Counted this way, the videos
        // that pass are results, between allowance - (batch size - 1) and allowance of them, whatever the order.
        var throws = batch.Videos.Any(v => v.Path.Contains("crash", StringComparison.Ordinal));
        if (!throws && Interlocked.Add(ref _passed, batch.Videos.Count) > allowance) await _open.Task.WaitAsync(cancellationToken);
        var results = new List<VideoResult>();
        foreach (var video in batch.Videos)
        {
            Scored.Add(video.Index);
            if (video.Path.Contains("crash", StringComparison.Ordinal)) throw new InvalidOperationException($"scorer crashed on {video.Path}");
            if (video.Path.Contains("bad", StringComparison.Ordinal))
            {
                var error = CorpusJobGrain.ErrorResult(video.Index, new CorpusVideo { Path = video.Path, Label = video.Label }, "cannot decode", 0);
                results.Add(error);
            }
            else
            {
                results.Add(NoOpCorpusScorer.Result(video, batch.Threshold));
            }
        }
        return results;
    }
}

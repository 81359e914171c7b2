using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Sta.MLNet.Orleans.Tests;

/// <summary>
/// Silos and clients hosted as an application hosts them (generic host, <see cref="CorpusStoreExtensions"/>), with
/// membership and job state in a real Redis on loopback: the store, not any silo, holds the job.
/// </summary>
public sealed class RedisStoreTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static CorpusManifest Corpus(int count) => new(Enumerable.Range(0, count).Select(i => new CorpusVideo
    {
        Path = $"/corpus/redis/{(i % 10 == 3 ? "bad" : "ok")}-{i:D3}.mp4",
        Label = i % 2 == 0 ? "real" : "fake",
    }));

    [Fact]
    public async Task A_job_kept_in_redis_outlives_the_silo_that_hosts_it_and_then_the_whole_cluster()
    {
        using var redis = RedisServer.Start();
        var store = redis.Store("outlives");
        var scorer = new ScriptedScorer(allowance: 20);
        var manifest = Corpus(60);
        var silos = new List<IHost>();
        try
        {
            for (var i = 0; i < 3; i++) silos.Add(await StartSilo(store, $"silo-{i}", scorer));
            List<VideoResult> results;
            string jobId;
            using (var clientHost = await StartClient(store))
            {
                var client = Client(clientHost);
                Assert.Equal(3, (await client.ListSilosAsync()).Count);
                var submission = await client.SubmitAsync(manifest);
                jobId = submission.JobId;
                await Guard.Until(() => client.GetProgressAsync(jobId), p => p.Done >= 10 && p.Leased > 0, "20 videos scored");

                // The silo hosting the job leaves; the job comes back elsewhere from what Redis holds.
                var host = await client.Job(jobId).GetHostAsync();
                var leaving = silos[int.Parse(host["silo-".Length..], System.Globalization.CultureInfo.InvariantCulture)];
                await leaving.StopAsync();
                silos.Remove(leaving);
                leaving.Dispose();
                scorer.Open();

                var final = await Guard.Until(() => client.GetProgressAsync(jobId), p => p.IsFinished, "the job finished");
                Assert.Equal(60, final.Done);
                Assert.Equal(6, final.Failed);
                Assert.NotEqual(host, await client.Job(jobId).GetHostAsync());
                results = await AllResults(client, jobId);
            }
            Assert.Equal(Enumerable.Range(0, 60), results.Select(r => r.Index).Order());
            Assert.All(results, r => Assert.Equal(manifest.Videos[r.Index].Path, r.Path));

            // Every silo gone: a new cluster on the same Redis knows the finished job and its results.
            foreach (var silo in silos) await silo.StopAsync();
            foreach (var silo in silos) silo.Dispose();
            silos.Clear();
            var callsBefore = scorer.Calls;
            silos.Add(await StartSilo(store, "silo-new", scorer));
            using var newClientHost = await StartClient(store);
            var newClient = Client(newClientHost);
            var again = await newClient.SubmitAsync(manifest);
            Assert.True(again.Attached);
            Assert.Equal(jobId, again.JobId);
            Assert.True(again.Progress.IsFinished);
            var reread = await AllResults(newClient, jobId);
            Assert.Equal(results.Select(r => (r.Index, r.Json)).Order(), reread.Select(r => (r.Index, r.Json)).Order());
            Assert.Equal(callsBefore, scorer.Calls);
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.StopAsync();
                silo.Dispose();
            }
        }
    }

    [Fact]
    public async Task Two_clusters_in_one_redis_keep_their_jobs_apart()
    {
        using var redis = RedisServer.Start();
        var scorer = new ScriptedScorer();
        var manifest = Corpus(8);
        using var first = await StartSilo(redis.Store("first"), "first-0", scorer);
        using var second = await StartSilo(redis.Store("second"), "second-0", scorer);
        try
        {
            using var firstClientHost = await StartClient(redis.Store("first"));
            using var secondClientHost = await StartClient(redis.Store("second"));
            var firstClient = Client(firstClientHost);
            var secondClient = Client(secondClientHost);
            var job = await firstClient.SubmitAsync(manifest);
            await Guard.Until(() => firstClient.GetProgressAsync(job.JobId), p => p.IsFinished, "the job finished");

            Assert.Equal(["first-0"], (await firstClient.ListSilosAsync()).Select(s => s.Name));
            Assert.Equal(["second-0"], (await secondClient.ListSilosAsync()).Select(s => s.Name));
            Assert.Contains(await firstClient.ListJobsAsync(), j => j.JobId == job.JobId);
            Assert.Empty(await secondClient.ListJobsAsync());
        }
        finally
        {
            await first.StopAsync();
            await second.StopAsync();
        }
    }

    private static CorpusClient Client(IHost clientHost) =>
        new(clientHost.Services.GetRequiredService<IClusterClient>()) { PollInterval = TimeSpan.FromMilliseconds(50) };

    private static async Task<List<VideoResult>> AllResults(CorpusClient client, string jobId)
    {
        var results = new List<VideoResult>();
        await foreach (var result in client.ReadResultsAsync(jobId)) results.Add(result);
        return results;
    }

    private async Task<IHost> StartSilo(CorpusStore store, string name, ICorpusScorer scorer)
    {
        var host = new HostBuilder()
            .UseOrleans(silo =>
            {
                silo.UseStaCorpusStore(store)
                    .ConfigureEndpoints(IPAddress.Loopback, RedisServer.FreePort(), RedisServer.FreePort())
                    .Configure<SiloOptions>(o => o.SiloName = name)
                    .AddStaCorpusWorkers(o =>
                    {
                        o.Workers = 2;
                        o.VideosPerLease = 2;
                        o.IdleDelay = TimeSpan.FromMilliseconds(20);
                    });
                silo.Services.AddSingleton(scorer);
                silo.Services.AddLogging(logging => logging.AddProvider(new TestOutputLoggerProvider(output)));
            })
            .Build();
        await host.StartAsync();
        return host;
    }

    private static async Task<IHost> StartClient(CorpusStore store)
    {
        var host = new HostBuilder().UseOrleansClient(client => client.UseStaCorpusStore(store)).Build();
        await host.StartAsync();
        return host;
    }
}

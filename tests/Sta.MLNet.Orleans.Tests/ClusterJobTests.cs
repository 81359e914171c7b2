using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Sta.MLNet.Orleans.Tests;

/// <summary>
/// Jobs on an in-process cluster of three silos with a model-free scorer: completion, exactly one result per video,
/// failures as results, a silo lost mid-job, a client restarted mid-job. Mid-job points are set by the scorer's gate
/// (a known number of videos passes), never by timing.
/// </summary>
public sealed class ClusterJobTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>60 videos: every 10th "bad" (error result from the scorer), video 7 "crash" (the scorer throws on it).</summary>
    private static CorpusManifest Corpus(string name, int count = 60) => new(Enumerable.Range(0, count).Select(i => new CorpusVideo
    {
        Path = $"/corpus/{name}/{(i % 10 == 3 ? "bad" : i == 7 ? "crash" : "ok")}-{i:D3}.mp4",
        Label = i % 2 == 0 ? "real" : "fake",
    }));

    private static async Task<List<VideoResult>> AllResults(CorpusClient client, string jobId)
    {
        var results = new List<VideoResult>();
        await foreach (var result in client.ReadResultsAsync(jobId)) results.Add(result);
        return results;
    }

    /// <summary>Exactly one result per manifest video, at its index and path, in the sta.score/1 layout.</summary>
    private static void AssertOneResultEach(CorpusManifest manifest, IReadOnlyList<VideoResult> results)
    {
        Assert.Equal(manifest.Videos.Count, results.Count);
        Assert.Equal(Enumerable.Range(0, manifest.Videos.Count), results.Select(r => r.Index).Order());
        foreach (var result in results)
        {
            Assert.Equal(manifest.Videos[result.Index].Path, result.Path);
            using var json = JsonDocument.Parse(result.Json);
            Assert.Equal(result.Path, json.RootElement.GetProperty("path").GetString());
            Assert.Equal(result.Succeeded ? "ok" : "error", json.RootElement.GetProperty("status").GetString());
        }
    }

    private static void AssertOutcomes(IReadOnlyList<VideoResult> results, int maxAttempts)
    {
        foreach (var result in results)
        {
            if (result.Path.Contains("crash"))
            {
                Assert.False(result.Succeeded);
                Assert.Contains($"gave up after {maxAttempts} attempt(s)", result.Error);
                Assert.Contains("scorer crashed", result.Error);
            }
            else if (result.Path.Contains("bad"))
            {
                Assert.False(result.Succeeded);
                Assert.Equal("cannot decode", result.Error);
            }
            else
            {
                Assert.True(result.Succeeded, result.Error);
                Assert.Equal(NoOpCorpusScorer.Probability, result.Probability);
            }
        }
    }

    [Fact]
    public async Task A_job_of_60_videos_completes_with_exactly_one_result_per_video()
    {
        var scorer = new ScriptedScorer();
        await using var harness = await ClusterHarness.Start(scorer, output: output);
        var client = harness.Client;
        var manifest = Corpus("complete");
        var options = new CorpusJobOptions { MaxAttempts = 3 };

        var submission = await client.SubmitAsync(manifest, options);
        Assert.False(submission.Attached);
        Assert.Equal(manifest.JobId(options), submission.JobId);
        var seen = new List<CorpusJobProgress>();
        await foreach (var progress in client.FollowAsync(submission.JobId)) seen.Add(progress);

        var final = seen[^1];
        Assert.True(final.IsFinished);
        Assert.False(final.Cancelled);
        Assert.Equal(60, final.Total);
        Assert.Equal(7, final.Failed); // 6 "bad" + the "crash" one
        Assert.Equal(53, final.Succeeded);
        Assert.Equal(0, final.Leased);
        var results = await AllResults(client, submission.JobId);
        AssertOneResultEach(manifest, results);
        AssertOutcomes(results, options.MaxAttempts);
        // The crashing video was leased MaxAttempts times; the summary counts those retries.
        var summary = await client.GetSummaryAsync(submission.JobId);
        Assert.Equal(options.MaxAttempts - 1, summary.Retries);
        Assert.Equal(60, summary.ResultsBySilo.Values.Sum());
        // Resubmitting the same manifest attaches to the finished job and starts nothing.
        var again = await client.SubmitAsync(manifest, options);
        Assert.True(again.Attached);
        Assert.Equal(submission.JobId, again.JobId);
        Assert.True(again.Progress.IsFinished);
        Assert.Contains(await client.ListJobsAsync(), j => j.JobId == submission.JobId && j.IsFinished);
        Assert.Equal(3, (await client.ListSilosAsync()).Count);
    }

    [Fact]
    public async Task Stopping_the_silo_that_hosts_the_job_mid_job_loses_and_duplicates_nothing()
    {
        var scorer = new ScriptedScorer(allowance: 20);
        var store = new SharedGrainStorage.Store();
        await using var harness = await ClusterHarness.Start(scorer, store, output: output);
        var client = harness.Client;
        var manifest = Corpus("stop");
        var submission = await client.SubmitAsync(manifest, new CorpusJobOptions { LeaseDuration = TimeSpan.FromSeconds(30) });
        // Mid-job: some videos done, workers holding leases at the closed gate.
        await Guard.Until(() => client.GetProgressAsync(submission.JobId), p => p.Done >= 10 && p.Leased > 0, "20 videos scored");

        var host = await client.Job(submission.JobId).GetHostAsync();
        await harness.Cluster.StopSiloAsync(harness.Silo(host));
        scorer.Open();

        var final = await Guard.Until(() => client.GetProgressAsync(submission.JobId), p => p.IsFinished, "the job finished");
        Assert.Equal(60, final.Done);
        var results = await AllResults(client, submission.JobId);
        AssertOneResultEach(manifest, results);
        AssertOutcomes(results, new CorpusJobOptions().MaxAttempts);
        // The job came back on another silo from storage, and the stopped silo produced no result after it left.
        Assert.NotEqual(host, await client.Job(submission.JobId).GetHostAsync());
    }

    [Fact]
    public async Task A_job_of_several_result_records_survives_losing_its_silo_and_its_ledger_holds_only_unwritten_videos()
    {
        // Two full result records and part of a third; the gate holds the workers once the second record has begun.
        var count = 2 * CorpusJobGrain.ResultsPerRecord + 300;
        var scorer = new ScriptedScorer(allowance: CorpusJobGrain.ResultsPerRecord + 300);
        var store = new SharedGrainStorage.Store();
        await using var harness = await ClusterHarness.Start(scorer, store);
        var client = harness.Client;
        var manifest = Corpus("records", count);
        var submission = await client.SubmitAsync(manifest, new CorpusJobOptions { LeaseDuration = TimeSpan.FromSeconds(3) });
        var jobRecords = () => store.Records.Where(r => r.Key.Contains(submission.JobId, StringComparison.Ordinal)).ToDictionary(r => r.Key[(r.Key.LastIndexOf('/') + 1)..], r => r.Value.Data);
        await Guard.Until(() => Task.FromResult(jobRecords().ContainsKey("results-1")), found => found, "a second result record written");

        // Killed, not stopped: results recorded but not yet written are lost, and the ledger must still count their leases.
        var host = await client.Job(submission.JobId).GetHostAsync();
        await harness.Cluster.KillSiloAsync(harness.Silo(host));
        scorer.Open();

        var final = await Guard.Until(() => client.GetProgressAsync(submission.JobId), p => p.IsFinished, "the job finished");
        Assert.Equal(count, final.Done);
        var results = await AllResults(client, submission.JobId);
        AssertOneResultEach(manifest, results);
        AssertOutcomes(results, new CorpusJobOptions().MaxAttempts);
        Assert.NotEqual(host, await client.Job(submission.JobId).GetHostAsync());

        // Stored: full records, then the rest, in the order the stream gave them; no attempts left in the ledger once every
        // result is written (a written result carries its attempt).
        var serializer = harness.Cluster.Client.ServiceProvider.GetRequiredService<Serializer>();
        var stored = jobRecords();
        var records = Enumerable.Range(0, 3).Select(r => serializer.Deserialize<JobResults>(stored[$"results-{r}"])!.Results).ToList();
        Assert.False(stored.ContainsKey("results-3"));
        Assert.Equal([CorpusJobGrain.ResultsPerRecord, CorpusJobGrain.ResultsPerRecord, 300], records.Select(r => r.Count));
        Assert.Equal(results.Select(r => r.Index), records.SelectMany(r => r).Select(r => r.Index));
        Assert.Empty(serializer.Deserialize<JobLedger>(stored["ledger"])!.Attempts);
    }

    [Fact]
    public async Task Killing_a_worker_silo_mid_job_returns_its_leases_to_the_queue()
    {
        var scorer = new ScriptedScorer(allowance: 20);
        var store = new SharedGrainStorage.Store();
        await using var harness = await ClusterHarness.Start(scorer, store, output: output);
        var client = harness.Client;
        var manifest = Corpus("kill");
        // Short leases: the killed silo's videos come back after at most this long (a guard, not a pass criterion).
        var submission = await client.SubmitAsync(manifest, new CorpusJobOptions { LeaseDuration = TimeSpan.FromSeconds(3) });
        // Every worker (3 silos x 2) ends up holding a full lease (2 videos) at the closed gate, the victim's included.
        await Guard.Until(() => client.GetProgressAsync(submission.JobId), p => p.Done >= 10 && p.Leased == 12, "every worker holding a lease");

        // Kill a silo that does not host the job (the job's own loss is the test above).
        var host = await client.Job(submission.JobId).GetHostAsync();
        var victim = harness.Cluster.Silos.First(s => s.Name != host);
        await harness.Cluster.KillSiloAsync(victim);
        scorer.Open();

        var final = await Guard.Until(() => client.GetProgressAsync(submission.JobId), p => p.IsFinished, "the job finished");
        Assert.Equal(60, final.Done);
        var results = await AllResults(client, submission.JobId);
        AssertOneResultEach(manifest, results);
        AssertOutcomes(results, new CorpusJobOptions().MaxAttempts);
        // The victim's leased videos ran out and were leased again (only the crashing video is retried otherwise).
        Assert.Contains(results, r => !r.Path.Contains("crash") && r.Attempt >= 2);
    }

    [Fact]
    public async Task A_client_restarted_mid_job_reattaches_to_the_same_job_and_reads_every_result_once()
    {
        var scorer = new ScriptedScorer(allowance: 20);
        await using var harness = await ClusterHarness.Start(scorer, output: output);
        var manifest = Corpus("restart");
        var first = await harness.Client.SubmitAsync(manifest);
        await Guard.Until(() => harness.Client.GetProgressAsync(first.JobId), p => p.Done >= 10, "20 videos scored");
        // The first client reads what is there, then goes away without a goodbye.
        var early = new List<VideoResult>();
        await foreach (var result in harness.Client.ReadResultsAsync(first.JobId, follow: false)) early.Add(result);
        await harness.Cluster.KillClientAsync();

        await harness.Cluster.InitializeClientAsync();
        var client = harness.Client;
        var second = await client.SubmitAsync(manifest);
        Assert.True(second.Attached);
        Assert.Equal(first.JobId, second.JobId);
        Assert.False(second.Progress.IsFinished);
        scorer.Open();
        // The new client resumes the result stream where the old one stopped.
        var rest = new List<VideoResult>();
        await foreach (var result in client.ReadResultsAsync(second.JobId, offset: early.Count)) rest.Add(result);

        AssertOneResultEach(manifest, [.. early, .. rest]);
        Assert.True((await client.GetProgressAsync(second.JobId)).IsFinished);
    }

    [Fact]
    public async Task A_cancelled_job_hands_out_nothing_more_and_keeps_its_results()
    {
        var scorer = new ScriptedScorer(allowance: 10);
        await using var harness = await ClusterHarness.Start(scorer, output: output);
        var client = harness.Client;
        var submission = await client.SubmitAsync(Corpus("cancel"));
        await Guard.Until(() => client.GetProgressAsync(submission.JobId), p => p.Done >= 5 && p.Leased > 0, "10 videos scored");

        await client.CancelAsync(submission.JobId);
        var cancelled = await client.GetProgressAsync(submission.JobId);
        Assert.True(cancelled.Cancelled);
        Assert.True(cancelled.IsFinished);
        scorer.Open();
        var results = await AllResults(client, submission.JobId);
        Assert.Equal(cancelled.Done, results.Count);
        Assert.Equal(results.Count, results.Select(r => r.Index).Distinct().Count());
    }
}

using System.Text.Json;
using Microsoft.ML;
using Sta.MLNet.Cli.Tests;

namespace Sta.MLNet.Orleans.Tests;

/// <summary>
/// The cluster with the real scorer: the tiny network (fixed weights from its own seed, 8 frames of 32 px) on real
/// encoded videos. Each video's result must be what <see cref="StaVideoScorer"/> gives for it on one machine.
/// </summary>
public sealed class RealModelTests
{
    private static StaDetectionTransformer TinyDetector() =>
        new(new MLContext(seed: 1), new StaDetector(StaPresets.Tiny, seed: 7), null, TorchSharp.torch.CPU);

    /// <summary>DeepfakeBench sampling (4 clips of 8 frames) at the tiny network's 32 px, as the service tests use it.</summary>
    private static VideoScoringOptions Scoring { get; } = new() { FrontEnd = new FaceClipOptions { ClipSize = 32 } };

    [Fact]
    public async Task Sixty_videos_through_three_silos_score_as_on_one_machine_and_the_bad_ones_fail_alone()
    {
        // Two encoded face videos and one corrupt file are the sources; the corpus holds 27 copies of each face video
        // (under real/ and fake/) and 6 bad files: 60 videos, each scored by the cluster, compared with its source
        // scored on one machine.
        var sources = TestAssets.NewFolder("cluster-real-sources");
        var face = TestAssets.Encode("face.mp4", frames: 16, size: 320, folder: sources);
        var mirrored = TestAssets.Encode("mirrored.mp4", frames: 16, size: 320, folder: sources, mirrored: true);
        var corrupt = Path.Combine(sources, "corrupt.mp4");
        File.Copy(TestAssets.CorruptVideo, corrupt);
        var folder = TestAssets.NewFolder("cluster-real");
        var sourceOf = new Dictionary<string, string>(StringComparer.Ordinal);
        void Add(string source, string subfolder, string name)
        {
            Directory.CreateDirectory(Path.Combine(folder, subfolder));
            var copy = Path.Combine(folder, subfolder, name);
            File.Copy(source, copy);
            sourceOf[copy] = source;
        }
        for (var i = 0; i < 27; i++)
        {
            Add(face, "real", $"face-{i:D2}.mp4");
            Add(mirrored, "fake", $"mirrored-{i:D2}.mp4");
        }
        for (var i = 0; i < 3; i++) Add(corrupt, "fake", $"corrupt-{i}.mp4");
        for (var i = 0; i < 3; i++)
        {
            var garbage = Path.Combine(folder, "real", $"garbage-{i}.mp4");
            File.WriteAllBytes(garbage, [.. Enumerable.Range(0, 4000 + i).Select(b => (byte)(b * 37 % 251))]);
        }
        var manifest = CorpusManifest.FromFolder(folder);
        Assert.Equal(60, manifest.Videos.Count);

        // One network for every silo of this process; each silo gets its own scorer over it, as each real silo would.
        var detector = TinyDetector();
        try
        {
            var scorer = new StaVideoScorer(detector, Scoring);
            var direct = (await scorer.ScoreFilesAsync([face, mirrored, corrupt]))
                .Select((score, i) => (Source: new[] { face, mirrored, corrupt }[i], Result: VideoScoreResult.From(score)))
                .ToDictionary(x => x.Source, x => x.Result, StringComparer.Ordinal);
            Assert.True(direct[face].Succeeded && direct[mirrored].Succeeded && !direct[corrupt].Succeeded);

            await using var harness = await ClusterHarness.Start(new StaCorpusScorer(new StaVideoScorer(detector, Scoring)), workersPerSilo: 1,
                videosPerLease: 2);
            var client = harness.Client;
            var submission = await client.SubmitAsync(manifest);
            await Guard.Until(() => client.GetProgressAsync(submission.JobId), p => p.IsFinished, "the job finished");
            var results = new List<VideoResult>();
            await foreach (var result in client.ReadResultsAsync(submission.JobId)) results.Add(result);

            Assert.Equal(Enumerable.Range(0, 60), results.Select(r => r.Index).Order());
            foreach (var result in results)
            {
                Assert.Equal(manifest.Videos[result.Index].Path, result.Path);
                Assert.Equal(Path.GetFileName(Path.GetDirectoryName(result.Path)), result.Label);
                using var json = JsonDocument.Parse(result.Json);
                Assert.Equal(result.Label, json.RootElement.GetProperty("label").GetString());
                if (!sourceOf.TryGetValue(result.Path, out var source))
                {
                    Assert.False(result.Succeeded, result.Path);
                    continue;
                }
                var alone = direct[source];
                Assert.Equal(alone.Succeeded, result.Succeeded);
                if (!alone.Succeeded) continue;
                var clips = json.RootElement.GetProperty("clips").EnumerateArray().ToList();
                Assert.Equal(alone.Clips.Count, clips.Count);
                // The same network on the same clips; only how clips are batched differs, which may move float32
                // results in the last bits, so the comparison allows 1e-5.
                Assert.Equal(alone.Probability!.Value, result.Probability!.Value, 1e-5);
                for (var c = 0; c < clips.Count; c++)
                {
                    Assert.Equal(alone.Clips[c].Frames, clips[c].GetProperty("frames").EnumerateArray().Select(f => f.GetInt32()));
                    if (alone.Clips[c].Probability is { } p) Assert.Equal(p, clips[c].GetProperty("probability").GetDouble(), 1e-5);
                }
            }
            Assert.Equal(54, results.Count(r => r.Succeeded));
            // Which silo scored what depends on thread timing; that every result came from some silo's worker does not.
            Assert.Equal(60, (await client.GetSummaryAsync(submission.JobId)).ResultsBySilo.Where(s => s.Key.Length > 0).Sum(s => s.Value));
        }
        finally
        {
            detector.ReleaseNetwork();
        }
    }

    [Fact]
    public void Manifests_from_csv_and_jsonl_give_the_same_job_as_the_paths()
    {
        var folder = TestAssets.NewFolder("manifest");
        File.WriteAllLines(Path.Combine(folder, "m.csv"), ["path,label", "a.mp4,fake", "\"sub/b,c.mp4\","]);
        File.WriteAllLines(Path.Combine(folder, "m.jsonl"), ["{\"path\":\"a.mp4\",\"label\":\"fake\"}", "", "{\"path\":\"sub/b,c.mp4\"}"]);
        var csv = CorpusManifest.FromFile(Path.Combine(folder, "m.csv"));
        var jsonl = CorpusManifest.FromFile(Path.Combine(folder, "m.jsonl"));
        Assert.Equal(csv.Videos, jsonl.Videos);
        Assert.Equal(Path.Combine(folder, "sub", "b,c.mp4"), csv.Videos[1].Path);
        Assert.Equal("fake", csv.Videos[0].Label);
        Assert.Null(csv.Videos[1].Label);
        Assert.Equal(csv.JobId(), jsonl.JobId());
        Assert.NotEqual(csv.JobId(), csv.JobId(new CorpusJobOptions { Threshold = 0.7 }));
        Assert.Equal(csv.JobId(), csv.JobId(new CorpusJobOptions { MaxAttempts = 9 }));
        Assert.Throws<ArgumentException>(() => new CorpusManifest([new CorpusVideo { Path = "x" }, new CorpusVideo { Path = "x" }]));
    }

    [Fact]
    public void Csv_rows_follow_the_sta_score_layout()
    {
        var result = NoOpCorpusScorer.Result(new CorpusWorkItem { Index = 0, Path = "/v/a,b.mp4", Label = "real" }, 0.5);
        var text = new StringWriter();
        CorpusResultWriter.WriteCsvHeader(text);
        CorpusResultWriter.WriteCsvRows(text, result);
        var lines = text.ToString().TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal(string.Join(",", CorpusResultWriter.CsvHeader), lines[0]);
        Assert.Equal("\"/v/a,b.mp4\",real,ok,,0.25,-1.0986122886681098,,,,,,,", lines[1]);
    }
}

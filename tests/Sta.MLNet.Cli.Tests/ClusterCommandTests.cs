using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Sta.MLNet.Cli.Infrastructure;
using Sta.MLNet.Cli.Scoring;

namespace Sta.MLNet.Cli.Tests;

/// <summary>
/// <c>sta cluster</c>'s argument checks and failures, none of which needs a running cluster, and the JSON round trip that
/// lets <c>sta cluster score</c> write its files with <c>sta score</c>'s code. The verbs against real silos and Redis are
/// exercised by build/cluster-test.sh (processes, ports, a killed silo).
/// </summary>
public sealed class ClusterCommandTests
{
    [Theory]
    [InlineData("status", "--store", "foo")]
    [InlineData("status", "--store", "http://127.0.0.1:6379")]
    [InlineData("status", "--store", "redis://127.0.0.1:6379/zero")]
    [InlineData("status", "--store", "redis://127.0.0.1:6379?db=1")]
    [InlineData("silo", "--store", "nowhere", "--model", "m.zip")]
    [InlineData("score", ".", "--store", "redis:/")]
    [InlineData("cancel", "corpus-0123", "--store", "redis//127.0.0.1")]
    public void An_unreadable_store_is_a_usage_error_that_says_what_a_store_looks_like(params string[] args)
    {
        var result = CliRun.Invoke(["cluster", .. args]);
        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains("error: --store:", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("score", ".")]
    [InlineData("silo", "--model", "m.zip")]
    [InlineData("cancel", "corpus-0123")]
    public void The_store_is_required(params string[] args)
    {
        var result = CliRun.Invoke(["cluster", .. args]);
        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains("--store", result.Error);
    }

    [Fact]
    public void A_silo_without_its_model_file_is_a_usage_error()
    {
        var missing = CliRun.Invoke("cluster", "silo", "--store", "localhost", "--model", "/no/such/model.zip");
        Assert.True(missing.ExitCode == ExitCodes.Usage, missing.ToString());
        Assert.Contains("/no/such/model.zip", missing.Error);

        var none = CliRun.Invoke("cluster", "silo", "--store", "localhost");
        Assert.True(none.ExitCode == ExitCodes.Usage, none.ToString());
        Assert.Contains("--model", none.Error);
    }

    [Theory]
    [InlineData("--workers", "0")]
    [InlineData("--videos-per-lease", "0")]
    [InlineData("--port", "12345")]
    public void Silo_settings_out_of_range_are_usage_errors(string option, string value)
    {
        // A localhost store has fixed ports, so --port is refused there as well.
        var result = CliRun.Invoke("cluster", "silo", "--store", "localhost", "--model", TestAssets.TinyCheckpoint, option, value);
        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains(option, result.Error);
    }

    [Fact]
    public void Score_checks_its_input_before_it_connects()
    {
        var missing = CliRun.Invoke("cluster", "score", "/no/such/folder", "--store", "localhost");
        Assert.True(missing.ExitCode == ExitCodes.Usage, missing.ToString());
        Assert.Contains("/no/such/folder", missing.Error);

        var folder = TestAssets.NewFolder("cluster-manifest");
        var badManifest = Path.Combine(folder, "videos.csv");
        File.WriteAllText(badManifest, "file,label\na.mp4,real\n");
        var noPathColumn = CliRun.Invoke("cluster", "score", badManifest, "--store", "localhost");
        Assert.True(noPathColumn.ExitCode == ExitCodes.Usage, noPathColumn.ToString());
        Assert.Contains("path", noPathColumn.Error);

        var text = Path.Combine(folder, "videos.txt");
        File.WriteAllText(text, "a.mp4\n");
        var notAManifest = CliRun.Invoke("cluster", "score", text, "--store", "localhost");
        Assert.True(notAManifest.ExitCode == ExitCodes.Usage, notAManifest.ToString());

        var empty = TestAssets.NewFolder("cluster-empty");
        var noVideos = CliRun.Invoke("cluster", "score", empty, "--store", "localhost");
        Assert.True(noVideos.ExitCode == ExitCodes.Usage, noVideos.ToString());

        var threshold = CliRun.Invoke("cluster", "score", folder, "--store", "localhost", "--threshold", "2");
        Assert.True(threshold.ExitCode == ExitCodes.Usage, threshold.ToString());
    }

    [Fact]
    public void A_redis_that_refuses_the_connection_is_one_line_and_exit_1()
    {
        var port = PortNobodyListensOn();
        var folder = TestAssets.NewFolder("cluster-unreachable");
        File.WriteAllBytes(Path.Combine(folder, "a.mp4"), [0]);
        foreach (var args in new[]
                 {
                     new[] { "cluster", "status", "--store", $"redis://127.0.0.1:{port}" },
                     new[] { "cluster", "cancel", "corpus-0123", "--store", $"redis://127.0.0.1:{port}" },
                     new[] { "cluster", "score", folder, "--store", $"redis://:secret@127.0.0.1:{port}" },
                     new[] { "cluster", "silo", "--store", $"redis://127.0.0.1:{port}", "--checkpoint", TestAssets.TinyCheckpoint, "--preset", "tiny" },
                 })
        {
            var result = CliRun.Invoke(args);
            Assert.True(result.ExitCode == ExitCodes.Failure, result.ToString());
            var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal($"error: cannot reach the store redis://127.0.0.1:{port}: Connection refused.", Assert.Single(lines));
            Assert.DoesNotContain("secret", result.Error);
        }
    }

    [Fact]
    public void Help_lists_the_cluster_verbs()
    {
        var result = CliRun.Invoke("cluster", "--help");
        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        foreach (var verb in new[] { "silo", "score", "status", "cancel" }) Assert.Contains(verb, result.Out);
    }

    [Fact]
    public void A_video_object_read_back_is_written_byte_for_byte_the_same()
    {
        // Awkward doubles (no short decimal form, tiny, large), a clip that was skipped, and the shape of an error result
        // that a job decides on its own (nulls, no clips, zero timings).
        var scored = new VideoScoreResult("/data/fake/a, \"b\".mp4", "fake", null, 40, 25.000000000000004,
            [
                new ClipScoreResult(0, [0, 1, 2, 3], 0.1 + 0.2, Math.Log(0.3 / 0.7), 4, null),
                new ClipScoreResult(1, [4, 5, 6, 7], null, null, 0, "no face"),
                new ClipScoreResult(2, [8, 9, 10, 11], 1e-7, -16.11809565095832, 3, null),
            ],
            0.15000005, -1.7346010553881064, new ScoreTimings(12.345, 0.001, 1234567.891));
        var failed = new VideoScoreResult("/data/real/x.mp4", null, "gave up after 3 attempt(s); last: worker lost", null, null, [], null, null,
            new ScoreTimings(0, 0, 0));
        foreach (var result in new[] { scored, failed })
        {
            var written = Write(result);
            var again = Write(ScoreJson.ReadVideo(written));
            Assert.Equal(written, again);
            Assert.Equal(ScoreReport.CsvLines(result), ScoreReport.CsvLines(ScoreJson.ReadVideo(written)));
        }
    }

    [Fact]
    public void A_result_that_is_not_a_video_object_is_reported_as_such()
    {
        var error = Assert.Throws<InvalidDataException>(() => ScoreJson.ReadVideo("{\"path\": 3}"));
        Assert.Contains("sta.score/1", error.Message);
        Assert.Throws<InvalidDataException>(() => ScoreJson.ReadVideo("not json"));
    }

    private static string Write(VideoScoreResult result)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer)) ScoreJson.WriteVideo(writer, result, threshold: 0.5);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static int PortNobodyListensOn()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Sta.MLNet.Cli.Infrastructure;

namespace Sta.MLNet.Cli.Tests;

/// <summary><c>sta serve</c> itself: started in-process on a free loopback port, used over HTTP, stopped like Ctrl+C.</summary>
public sealed class ServeCommandTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Serve_answers_the_api_on_loopback_with_what_score_gives_and_stops_on_cancellation()
    {
        using var stop = new CancellationTokenSource();
        var error = new WatchedWriter("listening on ");
        using var output = new StringWriter();
        var run = Task.Run(() => Program.Run(["serve", "--checkpoint", TestAssets.TinyCheckpoint, "--preset", "tiny", "--urls", "http://127.0.0.1:0",
            "--api-key", "k3y"], output, error, stop.Token));
        var address = await error.Line.WaitAsync(Guard);
        Assert.Matches(@"^http://127\.0\.0\.1:\d+$", address);

        using var client = new HttpClient { BaseAddress = new Uri(address) };
        using (var unauthorised = await client.GetAsync("/api/v1/info")) Assert.Equal(HttpStatusCode.Unauthorized, unauthorised.StatusCode);
        client.DefaultRequestHeaders.Add("X-Api-Key", "k3y");
        var form = new MultipartFormDataContent { { new ByteArrayContent(File.ReadAllBytes(TestAssets.FaceVideo)), "video", "face.mp4" } };
        using var accepted = await client.PostAsync("/api/v1/jobs", form);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = JsonDocument.Parse(await accepted.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
        JsonElement job;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        do
        {
            await Task.Delay(100);
            job = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/jobs/{id}")).RootElement.Clone();
            Assert.True(clock.Elapsed < Guard, $"the job did not finish: {job}");
        } while (job.GetProperty("status").GetString() is "queued" or "running");

        var score = CliRun.Invoke("score", TestAssets.FaceVideo, "--checkpoint", TestAssets.TinyCheckpoint, "--preset", "tiny", "--json", "-");
        var expected = JsonDocument.Parse(score.Out).RootElement.GetProperty("videos")[0];
        var result = job.GetProperty("result");
        Assert.Equal("done", job.GetProperty("status").GetString());
        Assert.Equal("face.mp4", result.GetProperty("path").GetString());
        Assert.Equal(expected.GetProperty("probability").GetDouble(), result.GetProperty("probability").GetDouble(), 4);
        Assert.Equal(expected.GetProperty("clips").GetArrayLength(), result.GetProperty("clips").GetArrayLength());

        stop.Cancel();
        var exit = await run.WaitAsync(Guard);
        Assert.True(exit == ExitCodes.Success, error.ToString());
        Assert.Contains("stopped.", error.ToString());
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("/healthz"));
    }

    [Theory]
    [InlineData("--workers", "0", "Workers")]
    [InlineData("--queue", "0", "QueueCapacity")]
    [InlineData("--threshold", "2", "Threshold")]
    [InlineData("--keep-results", "0", "ResultRetention")]
    public void Bad_settings_are_usage_errors_before_any_model_is_loaded(string option, string value, string named)
    {
        var result = CliRun.Invoke("serve", "--checkpoint", "/no/such/model.pth", option, value);
        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains(named, result.Error);
    }

    /// <summary>A text writer that completes <see cref="Line"/> with the rest of the first line that starts with a prefix.</summary>
    private sealed class WatchedWriter(string prefix) : StringWriter
    {
        private readonly TaskCompletionSource<string> _line = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<string> Line => _line.Task;

        public override void WriteLine(string? value)
        {
            lock (this) base.WriteLine(value);
            if (value is not null && value.StartsWith(prefix, StringComparison.Ordinal)) _line.TrySetResult(value[prefix.Length..].Trim());
        }

        public override string ToString()
        {
            lock (this) return base.ToString();
        }
    }
}

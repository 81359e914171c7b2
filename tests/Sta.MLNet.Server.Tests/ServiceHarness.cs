using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.ML;
using Sta.MLNet.Cli.Tests;
using Sta.MLNet.Clips;
using Sta.MLNet.MLNet;
using Sta.MLNet.Model;
using Sta.MLNet.Scoring;
using Sta.MLNet.Server.Jobs;

namespace Sta.MLNet.Server.Tests;

/// <summary>The tiny network every service test scores with: fixed weights from its own seed, 8 frames of 32 px.</summary>
internal static class TinyModel
{
    private static readonly Lazy<ServedModel> Shared = new(() => Create());

    /// <summary>DeepfakeBench sampling (4 clips of 8 frames) at the tiny network's 32 px, as sta serve sets it up.</summary>
    public static VideoScoringOptions Scoring { get; } = new() { FrontEnd = new FaceClipOptions { ClipSize = 32 } };

    /// <summary>One network for the whole test run: the service shares one network between its workers too.</summary>
    public static ServedModel Model => Shared.Value;

    public static ServedModel Create()
    {
        var detector = new StaDetector(StaPresets.Tiny, seed: 7);
        return new ServedModel(new StaDetectionTransformer(new MLContext(seed: 1), detector, null, TorchSharp.torch.CPU), Scoring, "tiny test network");
    }
}

/// <summary>
/// The service in memory (<see cref="WebApplicationFactory{TEntryPoint}"/> over <see cref="StaServer.CreateHostBuilder"/>),
/// with optional replacements for the analysis and the clock. The factory's entry-point type is this test assembly's:
/// the service is a library (started by <c>sta serve</c>) and has no entry point of its own, which the factory insists on.
/// </summary>
internal sealed class ServiceFactory(StaServerOptions? options = null, IVideoAnalyzer? analyzer = null, TimeProvider? clock = null)
    : WebApplicationFactory<ServiceFactory>
{
    public StaServerOptions Options { get; } = options ?? new StaServerOptions();

    protected override IHostBuilder CreateHostBuilder() => StaServer.CreateHostBuilder(TinyModel.Model, Options);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.ConfigureTestServices(services =>
        {
            if (analyzer is not null) services.AddSingleton(analyzer);
            if (clock is not null) services.AddSingleton(clock);
        });
    }

    public JobStore Store => Services.GetRequiredService<JobStore>();

    public UploadFolder Uploads => Services.GetRequiredService<UploadFolder>();
}

/// <summary>Client-side helpers shared by the service tests.</summary>
internal static class Api
{
    /// <summary>Minutes only as a deadlock guard: every wait ends on an event, never on a time.</summary>
    public static readonly TimeSpan Guard = TimeSpan.FromMinutes(5);

    public static MultipartFormDataContent Form(string path, string? fileName = null, string field = "video")
    {
        var file = new ByteArrayContent(File.ReadAllBytes(path));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return new MultipartFormDataContent { { file, field, fileName ?? Path.GetFileName(path) } };
    }

    public static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    public static async Task<string> Submit(HttpClient client, string path, string? fileName = null)
    {
        using var response = await client.PostAsync("/api/v1/jobs", Form(path, fileName));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"upload answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>Polls the job until <paramref name="done"/> holds for it (the guard only turns a hang into a failure).</summary>
    public static async Task<JsonElement> WaitFor(HttpClient client, string id, Func<JsonElement, bool> done)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            using var response = await client.GetAsync($"/api/v1/jobs/{id}");
            var job = await Json(response);
            if (done(job)) return job;
            Assert.True(clock.Elapsed < Guard, $"job {id} did not get there: {job}");
            await Task.Delay(50);
        }
    }

    public static Task<JsonElement> WaitFinished(HttpClient client, string id) =>
        WaitFor(client, id, j => j.GetProperty("status").GetString() is "done" or "failed");

    public static string Status(JsonElement job) => job.GetProperty("status").GetString()!;

    /// <summary>A copy of an asset under another name in a fresh folder.</summary>
    public static string CopyAs(string source, string name)
    {
        var path = Path.Combine(TestAssets.NewFolder("upload"), name);
        File.Copy(source, path);
        return path;
    }
}

/// <summary>
/// An analysis that waits until the test lets it finish, reporting progress steps first: lets a test hold workers busy
/// and see queued, running and cancelled jobs deterministically.
/// </summary>
internal sealed class GatedAnalyzer : IVideoAnalyzer
{
    private readonly SemaphoreSlim _release = new(0);
    private readonly SemaphoreSlim _started = new(0);

    public int Cancelled;

    /// <summary>Lets one waiting (or future) analysis finish.</summary>
    public void Release(int count = 1) => _release.Release(count);

    /// <summary>Waits until an analysis has started.</summary>
    public void WaitStarted() => Assert.True(_started.Wait(Api.Guard), "no analysis started (deadlock guard)");

    public JobOutcome Analyze(string jobId, string path, string displayName, IProgress<double> progress, CancellationToken cancellationToken)
    {
        Assert.True(File.Exists(path), $"the upload {path} is missing while its job runs");
        progress.Report(0.25);
        _started.Release();
        try
        {
            _release.Wait(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Increment(ref Cancelled);
            throw;
        }
        progress.Report(0.5);
        progress.Report(0.75);
        var json = JsonSerializer.SerializeToUtf8Bytes(new { path = displayName, status = "ok" });
        return new JobOutcome(true, json, null, null, new Dictionary<string, byte[]>());
    }
}

/// <summary>A clock the test moves.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

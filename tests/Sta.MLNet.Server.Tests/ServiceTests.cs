using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using OpenCvSharp;
using Sta.MLNet.Cli.Tests;
using Sta.MLNet.Scoring;
using Sta.MLNet.Server.Http;

namespace Sta.MLNet.Server.Tests;

/// <summary>The service's API in memory (WebApplicationFactory), with the tiny network or a gated analysis.</summary>
public sealed class ServiceTests
{
    [Fact]
    public async Task HealthReadinessInfoAndTheOpenApiDocumentAnswer()
    {
        using var factory = new ServiceFactory();
        using var client = factory.CreateClient();

        Assert.Equal("ok", (await Api.Json(await client.GetAsync("/healthz"))).GetProperty("status").GetString());
        var ready = await Api.Json(await client.GetAsync("/readyz"));
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Equal(16, ready.GetProperty("queue_capacity").GetInt32());
        var info = await Api.Json(await client.GetAsync("/api/v1/info"));
        Assert.Equal(8, info.GetProperty("frames_per_clip").GetInt32());
        Assert.Equal(32, info.GetProperty("clip_size").GetInt32());
        Assert.Equal(200L * 1024 * 1024, info.GetProperty("max_upload_bytes").GetInt64());

        var openApi = await Api.Json(await client.GetAsync("/openapi/v1.json"));
        var paths = openApi.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        foreach (var path in new[] { "/healthz", "/readyz", "/api/v1/info", "/api/v1/jobs", "/api/v1/jobs/{id}", "/api/v1/jobs/{id}/events", "/api/v1/jobs/{id}/clips/{clip}/{picture}" })
            Assert.Contains(path, paths);
        var jobs = openApi.GetProperty("paths").GetProperty("/api/v1/jobs");
        Assert.True(jobs.GetProperty("post").GetProperty("requestBody").GetProperty("content").TryGetProperty("multipart/form-data", out _));
        Assert.True(openApi.GetProperty("paths").GetProperty("/api/v1/jobs/{id}").TryGetProperty("delete", out _));
    }

    [Fact]
    public async Task AnUploadedVideoIsScoredAsStaScoreScoresItAndItsEvidenceIsServed()
    {
        using var factory = new ServiceFactory();
        using var client = factory.CreateClient();

        using var response = await client.PostAsync("/api/v1/jobs", Api.Form(TestAssets.FaceVideo, "holiday.mp4"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await Api.Json(response);
        var id = accepted.GetProperty("id").GetString()!;
        Assert.Equal($"/api/v1/jobs/{id}", response.Headers.Location!.ToString());
        Assert.Equal("queued", Api.Status(accepted));
        var job = await Api.WaitFinished(client, id);

        Assert.Equal("done", Api.Status(job));
        Assert.Equal(1.0, job.GetProperty("progress").GetDouble());
        var result = job.GetProperty("result");
        Assert.Equal("holiday.mp4", result.GetProperty("path").GetString());
        // The same numbers as the library's scorer gives the file with the same settings (batches may round differently).
        var local = VideoScoreResult.From(await new StaVideoScorer(TinyModel.Model.Detector, TinyModel.Scoring).ScoreVideoAsync(TestAssets.FaceVideo));
        Assert.Equal(local.Probability!.Value, result.GetProperty("probability").GetDouble(), 4);
        var clips = result.GetProperty("clips").EnumerateArray().ToList();
        Assert.Equal(local.Clips.Select(c => c.Index), clips.Select(c => c.GetProperty("index").GetInt32()));
        Assert.Equal(local.Clips.Select(c => c.Frames), clips.Select(c => c.GetProperty("frames").EnumerateArray().Select(f => f.GetInt32()).ToList()));

        var evidence = result.GetProperty("evidence");
        Assert.Equal(Explanation.ExplanationJson.Method, evidence.GetProperty("method").GetString());
        var perClip = evidence.GetProperty("clips").EnumerateArray().ToList();
        Assert.Equal(local.ScoredClipCount, perClip.Count);
        var explained = perClip.Where(c => c.GetProperty("heatmap_png").ValueKind == JsonValueKind.String).ToList();
        Assert.Equal(Math.Min(3, perClip.Count), explained.Count);
        var topThree = perClip.OrderByDescending(c => c.GetProperty("probability").GetDouble()).Take(3).Select(c => c.GetProperty("index").GetInt32());
        Assert.Equal(topThree.Order(), explained.Select(c => c.GetProperty("index").GetInt32()).Order());
        foreach (var clip in perClip)
        {
            using var faces = await client.GetAsync(clip.GetProperty("faces_png").GetString());
            Assert.Equal("image/png", faces.Content.Headers.ContentType!.MediaType);
            using var picture = Cv2.ImDecode(await faces.Content.ReadAsByteArrayAsync(), ImreadModes.Color);
            Assert.Equal((128, 8 * 128), (picture.Rows, picture.Cols));
        }
        foreach (var clip in explained)
        {
            Assert.Equal(4, clip.GetProperty("grid").GetInt32());
            Assert.Equal(8, clip.GetProperty("heat").GetArrayLength());
            using var heat = await client.GetAsync(clip.GetProperty("heatmap_png").GetString());
            Assert.Equal(HttpStatusCode.OK, heat.StatusCode);
        }
        AssertFieldsAsDocumented(job);
        Assert.Empty(Directory.EnumerateFileSystemEntries(factory.Uploads.Path));
    }

    [Fact]
    public async Task ABadVideoIsAFailedJobWithTheMessageStaScoreGivesAndTheServerKeepsServing()
    {
        using var factory = new ServiceFactory();
        using var client = factory.CreateClient();
        // A real MP4 cut after its first 3 KB: it looks like a video (ftyp box) but FFmpeg cannot open it.
        var truncated = Path.Combine(TestAssets.NewFolder("truncated"), "cut.mp4");
        File.WriteAllBytes(truncated, File.ReadAllBytes(TestAssets.FaceVideo)[..3000]);

        var bad = await Api.WaitFinished(client, await Api.Submit(client, truncated));
        var good = await Api.WaitFinished(client, await Api.Submit(client, TestAssets.FaceVideo));

        Assert.Equal("failed", Api.Status(bad));
        var local = VideoScoreResult.From(await new StaVideoScorer(TinyModel.Model.Detector, TinyModel.Scoring).ScoreVideoAsync(truncated));
        var expected = local.Error!.Replace(truncated, "cut.mp4", StringComparison.Ordinal);
        Assert.Equal(expected, bad.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("VideoDecodeException", bad.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("error", bad.GetProperty("result").GetProperty("status").GetString());
        Assert.Equal(expected, bad.GetProperty("result").GetProperty("error").GetString());
        Assert.DoesNotContain(factory.Uploads.Path, bad.ToString());
        Assert.Equal("done", Api.Status(good));
        Assert.Empty(Directory.EnumerateFileSystemEntries(factory.Uploads.Path));
    }

    [Fact]
    public async Task UploadsAreIdentifiedByTheirContentNotTheirName()
    {
        using var factory = new ServiceFactory();
        using var client = factory.CreateClient();
        var noise = Path.Combine(TestAssets.NewFolder("noise"), "movie.mp4");
        File.WriteAllBytes(noise, [.. Enumerable.Range(0, 5000).Select(i => (byte)(i * 131 % 251))]);

        using var refused = await client.PostAsync("/api/v1/jobs", Api.Form(noise));
        var accepted = await Api.WaitFinished(client, await Api.Submit(client, TestAssets.FaceVideo, "notes.txt"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, refused.StatusCode);
        Assert.Equal(Problems.ContentType, refused.Content.Headers.ContentType!.MediaType);
        Assert.Contains("identified by its content", (await Api.Json(refused)).GetProperty("detail").GetString());
        Assert.Equal("done", Api.Status(accepted));
        Assert.Equal("notes.txt", accepted.GetProperty("result").GetProperty("path").GetString());
        Assert.Empty(Directory.EnumerateFileSystemEntries(factory.Uploads.Path));
    }

    [Fact]
    public async Task AnUploadOverTheSizeLimitGets413WhetherOrNotItsLengthIsKnownUpFront()
    {
        using var factory = new ServiceFactory(new StaServerOptions { MaxUploadBytes = 20_000 });
        using var client = factory.CreateClient();
        var large = new byte[150_000];
        new Random(3).NextBytes(large);

        using var declared = await client.PostAsync("/api/v1/jobs", new MultipartFormDataContent { { new ByteArrayContent(large), "video", "big.mp4" } });
        // A stream that cannot tell its length makes the client send the body chunked, with no Content-Length.
        using var streamed = await client.PostAsync("/api/v1/jobs", new MultipartFormDataContent { { new StreamContent(new UnknownLengthStream(large)), "video", "big.mp4" } });

        foreach (var response in new[] { declared, streamed })
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Equal(Problems.ContentType, response.Content.Headers.ContentType!.MediaType);
        }
        Assert.Empty(Directory.EnumerateFileSystemEntries(factory.Uploads.Path));
    }

    [Fact]
    public async Task AnUploadTheClientAbandonsLeavesNoJobAndNoFile()
    {
        using var factory = new ServiceFactory();
        // No redirect handler: it copies a request's whole body before sending it, and this body never ends by itself.
        using var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var body = new StalledBody(File.ReadAllBytes(TestAssets.FaceVideo)[..4096]);
        using var abandon = new CancellationTokenSource();

        var upload = client.PostAsync("/api/v1/jobs", new MultipartFormDataContent { { new StreamContent(body), "video", "half.mp4" } }, abandon.Token);
        // The server is writing the file once the partial upload exists in its folder.
        await Until(() => Directory.EnumerateFiles(factory.Uploads.Path, "*.upload").Any());
        abandon.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => upload);
        body.Release();

        await Until(() => !Directory.EnumerateFileSystemEntries(factory.Uploads.Path).Any());
        Assert.Empty(factory.Store.All);
        Assert.Equal("done", Api.Status(await Api.WaitFinished(client, await Api.Submit(client, TestAssets.FaceVideo))));
    }

    [Fact]
    public async Task AFullQueueAnswers429WithRetryAfterAndNoAcceptedJobIsLost()
    {
        var gate = new GatedAnalyzer();
        using var factory = new ServiceFactory(new StaServerOptions { Workers = 1, QueueCapacity = 2 }, gate);
        using var client = factory.CreateClient();

        var running = await Api.Submit(client, TestAssets.FaceVideo);
        gate.WaitStarted();
        var queued = new[] { await Api.Submit(client, TestAssets.FaceVideo), await Api.Submit(client, TestAssets.FaceVideo) };
        using var refused = await client.PostAsync("/api/v1/jobs", Api.Form(TestAssets.FaceVideo));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta is { } wait && wait >= TimeSpan.FromSeconds(1), "429 without a Retry-After of at least a second");
        Assert.Equal(Problems.ContentType, refused.Content.Headers.ContentType!.MediaType);
        foreach (var id in queued) Assert.Equal("queued", Api.Status(await Api.WaitFor(client, id, _ => true)));
        var ready = await Api.Json(await client.GetAsync("/readyz"));
        Assert.Equal((1, 2), (ready.GetProperty("running").GetInt32(), ready.GetProperty("queued").GetInt32()));

        gate.Release(3);
        foreach (var id in queued.Prepend(running))
            Assert.Equal("done", Api.Status(await Api.WaitFinished(client, id)));
        Assert.Empty(Directory.EnumerateFileSystemEntries(factory.Uploads.Path));
    }

    [Fact]
    public async Task DeletingAJobCancelsItAndDeletesItsUploadAndResult()
    {
        var gate = new GatedAnalyzer();
        using var factory = new ServiceFactory(new StaServerOptions { Workers = 1 }, gate);
        using var client = factory.CreateClient();
        var running = await Api.Submit(client, TestAssets.FaceVideo);
        gate.WaitStarted();
        var queued = await Api.Submit(client, TestAssets.FaceVideo);
        Assert.Equal(2, Directory.GetFiles(factory.Uploads.Path).Length);

        using (var deleted = await client.DeleteAsync($"/api/v1/jobs/{queued}")) Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Single(Directory.GetFiles(factory.Uploads.Path));
        using (var deleted = await client.DeleteAsync($"/api/v1/jobs/{running}")) Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await Until(() => gate.Cancelled == 1 && Directory.GetFiles(factory.Uploads.Path).Length == 0 && factory.Store.Running == 0);

        foreach (var id in new[] { running, queued })
        {
            using var gone = await client.GetAsync($"/api/v1/jobs/{id}");
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
            using var again = await client.DeleteAsync($"/api/v1/jobs/{id}");
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }
        // The worker is free again: a new job runs.
        var next = await Api.Submit(client, TestAssets.FaceVideo);
        gate.Release();
        Assert.Equal("done", Api.Status(await Api.WaitFinished(client, next)));
    }

    [Fact]
    public async Task FinishedJobsAreKeptForTheRetentionTimeAndThenDropped()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        var gate = new GatedAnalyzer();
        gate.Release(2);
        using var factory = new ServiceFactory(new StaServerOptions { ResultRetention = TimeSpan.FromMinutes(10) }, gate, clock);
        using var client = factory.CreateClient();
        var early = await Api.Submit(client, TestAssets.FaceVideo);
        await Api.WaitFinished(client, early);
        clock.Advance(TimeSpan.FromMinutes(6));
        var late = await Api.Submit(client, TestAssets.FaceVideo);
        await Api.WaitFinished(client, late);

        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, factory.Store.RemoveExpired());

        using var expired = await client.GetAsync($"/api/v1/jobs/{early}");
        using var kept = await client.GetAsync($"/api/v1/jobs/{late}");
        Assert.Equal(HttpStatusCode.NotFound, expired.StatusCode);
        Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
    }

    [Fact]
    public async Task AtMostTheConfiguredNumberOfFinishedJobsIsKeptTheOldestGoFirst()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        var gate = new GatedAnalyzer();
        gate.Release(3);
        using var factory = new ServiceFactory(new StaServerOptions { MaxRetainedJobs = 2 }, gate, clock);
        using var client = factory.CreateClient();
        var ids = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            ids.Add(await Api.Submit(client, TestAssets.FaceVideo));
            await Api.WaitFinished(client, ids[^1]);
            clock.Advance(TimeSpan.FromSeconds(1));
        }
        await Until(() => factory.Store.Running == 0);

        using var oldest = await client.GetAsync($"/api/v1/jobs/{ids[0]}");
        Assert.Equal(HttpStatusCode.NotFound, oldest.StatusCode);
        foreach (var id in ids.Skip(1))
        {
            using var kept = await client.GetAsync($"/api/v1/jobs/{id}");
            Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
        }
    }

    [Fact]
    public async Task TheApiKeyIsNeededOnTheApiAndNowhereElse()
    {
        using var factory = new ServiceFactory(new StaServerOptions { ApiKey = "s3cret-key" });
        using var client = factory.CreateClient();

        using var missing = await client.GetAsync("/api/v1/info");
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal(Problems.ContentType, missing.Content.Headers.ContentType!.MediaType);
        Assert.NotEmpty(missing.Headers.WwwAuthenticate);
        foreach (var (header, value, expected) in new[]
        {
            ("X-Api-Key", "s3cret-kez", HttpStatusCode.Unauthorized),
            ("X-Api-Key", "s3cret-key-and-more", HttpStatusCode.Unauthorized),
            ("X-Api-Key", "", HttpStatusCode.Unauthorized),
            ("Authorization", "Bearer wrong", HttpStatusCode.Unauthorized),
            ("X-Api-Key", "s3cret-key", HttpStatusCode.OK),
            ("Authorization", "Bearer s3cret-key", HttpStatusCode.OK),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/info");
            request.Headers.TryAddWithoutValidation(header, value);
            using var response = await client.SendAsync(request);
            Assert.True(expected == response.StatusCode, $"{header}: {value} gave {(int)response.StatusCode}");
        }
        using var upload = await client.PostAsync("/api/v1/jobs", Api.Form(TestAssets.FaceVideo));
        Assert.Equal(HttpStatusCode.Unauthorized, upload.StatusCode);
        Assert.Empty(Directory.EnumerateFileSystemEntries(factory.Uploads.Path));
        foreach (var open in new[] { "/", "/assets/app.js", "/healthz", "/readyz", "/openapi/v1.json" })
        {
            using var response = await client.GetAsync(open);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{open} answered {(int)response.StatusCode} without a key");
        }
    }

    [Fact]
    public async Task EveryErrorIsAProblemDocumentWithoutAStackTrace()
    {
        using var factory = new ServiceFactory();
        using var failing = factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddTransient<IStartupFilter, ThrowingRoute>()));
        using var client = failing.CreateClient();
        var malformed = new StringContent("--xyz\r\nContent-Disposition: form-data; name=\"video\"; filename=\"a.mp4\"\r\n\r\nno end boundary", Encoding.ASCII);
        malformed.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=xyz");
        var noVideo = new MultipartFormDataContent { { new StringContent("hello"), "comment" } };
        var cases = new (string What, Func<Task<HttpResponseMessage>> Send, HttpStatusCode Status)[]
        {
            ("unknown route", () => client.GetAsync("/no/such/thing"), HttpStatusCode.NotFound),
            ("unknown job", () => client.GetAsync("/api/v1/jobs/0123"), HttpStatusCode.NotFound),
            ("unknown job's events", () => client.GetAsync("/api/v1/jobs/0123/events"), HttpStatusCode.NotFound),
            ("unknown picture", () => client.GetAsync("/api/v1/jobs/0123/clips/0/faces.png"), HttpStatusCode.NotFound),
            ("wrong method", () => client.PutAsync("/api/v1/jobs", new StringContent("x")), HttpStatusCode.MethodNotAllowed),
            ("not multipart", () => client.PostAsync("/api/v1/jobs", new StringContent("{\"video\": 1}", Encoding.UTF8, "application/json")), HttpStatusCode.UnsupportedMediaType),
            ("no video field", () => client.PostAsync("/api/v1/jobs", noVideo), HttpStatusCode.BadRequest),
            ("malformed multipart", () => client.PostAsync("/api/v1/jobs", malformed), HttpStatusCode.BadRequest),
            ("a handler that throws", () => client.GetAsync(ThrowingRoute.Path), HttpStatusCode.InternalServerError),
        };
        foreach (var (what, send, status) in cases)
        {
            using var response = await send();
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(status == response.StatusCode, $"{what}: {(int)response.StatusCode} {body}");
            Assert.True(response.Content.Headers.ContentType?.MediaType == Problems.ContentType, $"{what}: {response.Content.Headers.ContentType} {body}");
            var problem = JsonDocument.Parse(body).RootElement;
            Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()), what);
            Assert.DoesNotMatch(@"\bat [A-Za-z_][\w.`<>]*\(|\.cs:line", body); // a stack frame
            Assert.DoesNotContain("Exception", body);
            Assert.DoesNotContain(ThrowingRoute.Secret, body);
        }
        Assert.Empty(Directory.EnumerateFileSystemEntries(factory.Uploads.Path));
    }

    /// <summary>A route whose handler throws, added behind the service's own error handling.</summary>
    private sealed class ThrowingRoute : IStartupFilter
    {
        public const string Path = "/test/throws";
        public const string Secret = "internal detail that must not leak";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.Use(next => context => context.Request.Path == Path ? throw new InvalidOperationException(Secret) : next(context));
        };
    }

    [Fact]
    public async Task NoCorsHeadersAreSentSoOtherSitesCannotReadTheApi()
    {
        using var factory = new ServiceFactory();
        using var client = factory.CreateClient();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/v1/jobs");
        preflight.Headers.Add("Origin", "https://elsewhere.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        using var simple = new HttpRequestMessage(HttpMethod.Get, "/api/v1/info");
        simple.Headers.Add("Origin", "https://elsewhere.example");

        foreach (var request in new[] { preflight, simple })
        {
            using var response = await client.SendAsync(request);
            Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"), $"{request.Method} sent Access-Control-Allow-Origin");
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        }
        using var page = await client.GetAsync("/");
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task TheEventStreamSendsEveryChangeAndEndsWithTheFinalState()
    {
        var gate = new GatedAnalyzer();
        using var factory = new ServiceFactory(analyzer: gate);
        using var client = factory.CreateClient();
        var id = await Api.Submit(client, TestAssets.FaceVideo);
        gate.WaitStarted();

        using var response = await client.GetAsync($"/api/v1/jobs/{id}/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        gate.Release();
        var events = new List<(string Name, JsonElement Job)>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        string? name = null;
        while (await reader.ReadLineAsync().WaitAsync(Api.Guard) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line["event: ".Length..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) events.Add((name!, JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone()));
        }

        // What holds however the stream and the worker interleave: it starts with the state at subscription (running,
        // the analysis' first report), never goes back, and ends with the final state; changes in quick succession may
        // arrive as one event.
        Assert.Equal(("progress", "running", 0.25), (events[0].Name, Api.Status(events[0].Job), events[0].Job.GetProperty("progress").GetDouble()));
        Assert.Equal("done", events[^1].Name);
        Assert.Equal("done", Api.Status(events[^1].Job));
        Assert.All(events[..^1], e => Assert.Equal("progress", e.Name));
        var progress = events.Select(e => e.Job.GetProperty("progress").GetDouble()).ToList();
        Assert.Equal(progress.Order(), progress);
        Assert.Equal(1.0, progress[^1]);
    }

    [Fact]
    public async Task AnAnalysisThatThrowsFailsItsJobWithAPlainMessageAndTheNextJobRuns()
    {
        var analyzer = new ThrowOnce();
        using var factory = new ServiceFactory(analyzer: analyzer);
        using var client = factory.CreateClient();

        var failed = await Api.WaitFinished(client, await Api.Submit(client, TestAssets.FaceVideo));
        var next = await Api.WaitFinished(client, await Api.Submit(client, TestAssets.FaceVideo));

        Assert.Equal("failed", Api.Status(failed));
        Assert.Equal("InternalError", failed.GetProperty("error").GetProperty("type").GetString());
        Assert.DoesNotContain(ThrowOnce.Secret, failed.ToString());
        Assert.Equal("done", Api.Status(next));
        Assert.Empty(Directory.EnumerateFileSystemEntries(factory.Uploads.Path));
    }

    private sealed class ThrowOnce : Jobs.IVideoAnalyzer
    {
        public const string Secret = "a native crash message";
        private int _calls;

        public Jobs.JobOutcome Analyze(string jobId, string path, string displayName, IProgress<double> progress, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _calls) == 1
                ? throw new AccessViolationException(Secret)
                : new Jobs.JobOutcome(true, "{}"u8.ToArray(), null, null, new Dictionary<string, byte[]>());
    }

    [Fact]
    public async Task StoppingTheServiceDeletesItsUploadFolder()
    {
        var gate = new GatedAnalyzer();
        var factory = new ServiceFactory(analyzer: gate);
        using var client = factory.CreateClient();
        await Api.Submit(client, TestAssets.FaceVideo);
        gate.WaitStarted();
        var folder = factory.Uploads.Path;
        Assert.Single(Directory.GetFiles(folder));

        await factory.DisposeAsync();

        Assert.False(Directory.Exists(folder), "the upload folder outlived the service");
        Assert.Equal(1, gate.Cancelled);
    }

    /// <summary>The job's JSON has exactly the fields the OpenAPI document's schemas list, at every level.</summary>
    private static void AssertFieldsAsDocumented(JsonElement job)
    {
        AssertFields<JobDocument>(job);
        var result = job.GetProperty("result");
        AssertFields<VideoResultDocument>(result);
        AssertFields<FacesDocument>(result.GetProperty("faces"));
        AssertFields<TimingsDocument>(result.GetProperty("timings_ms"));
        foreach (var clip in result.GetProperty("clips").EnumerateArray()) AssertFields<ClipDocument>(clip);
        AssertFields<EvidenceDocument>(result.GetProperty("evidence"));
        foreach (var clip in result.GetProperty("evidence").GetProperty("clips").EnumerateArray())
        {
            var documented = Names<ClipEvidenceDocument>();
            var present = clip.EnumerateObject().Select(p => p.Name).ToHashSet();
            Assert.Subset(documented, present);
            Assert.Contains("faces_png", present);
        }
    }

    private static void AssertFields<T>(JsonElement element) =>
        Assert.Equal(Names<T>().Order(), element.EnumerateObject().Select(p => p.Name).Order());

    private static HashSet<string> Names<T>() =>
        typeof(T).GetProperties().Select(p => p.GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonPropertyNameAttribute), false)
            .Cast<System.Text.Json.Serialization.JsonPropertyNameAttribute>().Single().Name).ToHashSet();

    private static async Task Until(Func<bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Api.Guard, "the condition never held (deadlock guard)");
            await Task.Delay(20);
        }
    }

    /// <summary>A body that sends its first bytes, then waits (as a client whose connection stalls) until released, then ends.</summary>
    private sealed class StalledBody(byte[] start) : Stream
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _position;

        public void Release() => _released.TrySetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position < start.Length)
            {
                var count = Math.Min(buffer.Length, start.Length - _position);
                start.AsMemory(_position, count).CopyTo(buffer);
                _position += count;
                return count;
            }
            await _released.Task.WaitAsync(cancellationToken);
            return 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A stream whose length is unknown, so the upload is sent chunked.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}

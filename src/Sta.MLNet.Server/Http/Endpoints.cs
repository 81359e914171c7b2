using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sta.MLNet.Server.Jobs;

namespace Sta.MLNet.Server.Http;

/// <summary>The service's routes (docs/serve.md lists them with examples; /openapi/v1.json describes them).</summary>
internal static class Endpoints
{
    private const string JsonType = "application/json";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Json(new { status = "ok" }))
            .WithName("Health").WithSummary("The process is up.").WithTags("health").Produces(200, contentType: JsonType);
        app.MapGet("/readyz", Ready)
            .WithName("Ready").WithSummary("The model is loaded and the workers take jobs.").WithTags("health").Produces<ReadyDocument>(200).ProducesProblem(503);

        var api = app.MapGroup("/api/v1").WithTags("jobs");
        api.MapGet("/info", Info).WithName("Info").WithSummary("The model, the limits and the settings of this service.")
            .Produces<InfoDocument>(200).ProducesProblem(401);
        api.MapPost("/jobs", Submit).WithName("SubmitJob")
            .WithSummary("Upload a video (multipart/form-data, field 'video'); answers 202 with the job's id.")
            .Accepts<VideoUploadForm>("multipart/form-data")
            .Produces<JobDocument>(202)
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(413).ProducesProblem(415).ProducesProblem(429)
            .DisableAntiforgery();
        api.MapGet("/jobs/{id}", Get).WithName("GetJob")
            .WithSummary("The job: status (queued, running, done, failed), progress 0..1, and the result (the sta.score/1 video object with per-clip evidence).")
            .Produces<JobDocument>(200).ProducesProblem(401).ProducesProblem(404);
        api.MapGet("/jobs/{id}/events", Events).WithName("JobEvents")
            .WithSummary("Server-sent events: the job's JSON when it changes (event 'progress'; quick changes may come as one), ending with event 'done' or 'failed'.")
            .Produces(200, contentType: "text/event-stream").ProducesProblem(401).ProducesProblem(404);
        api.MapDelete("/jobs/{id}", Delete).WithName("DeleteJob")
            .WithSummary("Cancel the job if it runs and drop it, its upload and its result.")
            .Produces(204).ProducesProblem(401).ProducesProblem(404);
        api.MapGet("/jobs/{id}/clips/{clip:int}/{picture}", Picture).WithName("ClipPicture")
            .WithSummary("A clip's aligned faces (faces.png) or its heat map over them (heatmap.png).")
            .Produces(200, contentType: "image/png").ProducesProblem(401).ProducesProblem(404);
    }

    /// <summary>The upload form, for the OpenAPI document (the handler streams the body itself).</summary>
    internal sealed class VideoUploadForm
    {
        /// <summary>The video file. Its container is identified by its content.</summary>
        public required IFormFile Video { get; init; }
    }

    private static IResult Ready(JobWorkers workers, JobStore store, StaServerOptions options) =>
        workers.IsRunning
            ? Results.Json(new ReadyDocument("ready", options.Workers, store.Running, store.Queued, options.QueueCapacity))
            : Problems.Result(503, "The service is starting or stopping.");

    private static IResult Info(ServedModel model, StaServerOptions options)
    {
        var network = model.Detector.Detector.Options;
        return Results.Json(new InfoDocument(model.Description, network.NumFrames, network.InputResolution, options.Threshold, options.ExplainedClips,
            ExplanationJson.Method, options.MaxUploadBytes, options.Workers, options.QueueCapacity, (long)options.ResultRetention.TotalSeconds));
    }

    private static async Task<IResult> Submit(HttpContext context, JobStore store, UploadFolder folder, StaServerOptions options)
    {
        var request = context.Request;
        // Refusals that need no body come first: with "Expect: 100-continue" the client then never sends the video.
        if (request.ContentLength is { } length && length > options.MaxUploadBytes + UploadReader.EnvelopeBytes)
            return Problems.Result(413, $"The video is larger than this service's limit of {options.MaxUploadBytes} bytes.");
        if (store.IsQueueFull) return QueueFull(context, store);

        var id = JobStore.NewId();
        UploadReader.Upload upload;
        try
        {
            upload = await UploadReader.ReadAsync(request, folder, id, options.MaxUploadBytes, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away mid-upload: nobody to answer, nothing kept (the partial file is already deleted).
            return Results.Empty;
        }
        if (upload.Path is null) return Problems.Result(upload.Status, upload.Problem!);
        var job = new Job(id, upload.FileName, upload.Path, store.Clock.GetUtcNow());
        // The answer describes the job as accepted ("queued"): rendered before a worker can take it, so that a fast
        // worker does not turn the same request's answer into "running" on a quiet server and "queued" on a busy one.
        var accepted = job.ToJson();
        if (!store.TryEnqueue(job))
        {
            job.ReleaseUpload();
            return QueueFull(context, store);
        }
        context.Response.Headers.Location = $"/api/v1/jobs/{id}";
        return new JsonBytes(accepted, StatusCodes.Status202Accepted);
    }

    private static IResult QueueFull(HttpContext context, JobStore store)
    {
        context.Response.Headers.RetryAfter = store.RetryAfterSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problems.Result(429, "The queue is full; try again after the number of seconds in Retry-After.");
    }

    private static IResult Get(string id, JobStore store) =>
        store.Find(id) is { } job ? new JsonBytes(job.ToJson(), StatusCodes.Status200OK) : NotFound(id);

    private static IResult Delete(string id, JobStore store) =>
        store.Delete(id) ? Results.NoContent() : NotFound(id);

    private static IResult Picture(string id, int clip, string picture, JobStore store)
    {
        if (store.Find(id) is not { } job) return NotFound(id);
        if (picture is not ("faces.png" or "heatmap.png") || job.Image($"clips/{clip}/{picture}") is not { } png)
            return Problems.Result(404, $"Job {id} has no picture {picture} for clip {clip}.");
        return Results.Bytes(png, "image/png");
    }

    private static IResult NotFound(string id) =>
        Problems.Result(404, $"No job {id}: it never existed, was deleted, or its result has expired.");

    /// <summary>
    /// Server-sent events: the job's JSON now and whenever it changed since the last event (changes in quick succession
    /// come as one), event named by status ("progress" while it waits or runs), until it is done, failed or deleted. A comment every 15 s keeps idle connections open through proxies.
    /// </summary>
    private static async Task Events(HttpContext context, string id, JobStore store)
    {
        if (store.Find(id) is not { } job)
        {
            await Problems.WriteAsync(context, 404, $"No job {id}: it never existed, was deleted, or its result has expired.");
            return;
        }
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        var aborted = context.RequestAborted;
        long sent = -1;
        try
        {
            while (!aborted.IsCancellationRequested)
            {
                var (json, version, changed, final) = job.Snapshot();
                if (version != sent)
                {
                    var status = job.IsRemoved ? "deleted" : job.Status switch
                    {
                        JobStatus.Done => "done",
                        JobStatus.Failed => "failed",
                        _ => "progress",
                    };
                    await response.WriteAsync($"event: {status}\ndata: ", aborted);
                    await response.Body.WriteAsync(json, aborted);
                    await response.WriteAsync("\n\n", aborted);
                    await response.Body.FlushAsync(aborted);
                    sent = version;
                    if (final) return;
                }
                var heartbeat = Task.Delay(TimeSpan.FromSeconds(15), store.Clock, aborted);
                if (await Task.WhenAny(changed, heartbeat) == heartbeat && !aborted.IsCancellationRequested)
                {
                    await response.WriteAsync(": keep-alive\n\n", aborted);
                    await response.Body.FlushAsync(aborted);
                }
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away.
        }
    }

    /// <summary>Already serialised JSON with a status code.</summary>
    private sealed class JsonBytes(byte[] json, int status) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            httpContext.Response.ContentType = JsonType;
            httpContext.Response.ContentLength = json.Length;
            return httpContext.Response.Body.WriteAsync(json).AsTask();
        }
    }
}

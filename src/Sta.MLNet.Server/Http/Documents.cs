using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Sta.MLNet.Server.Http;

// The shapes of the service's JSON answers, for the OpenAPI document (a test checks that the answers have exactly
// these fields). Jobs are written field by field (Job.cs) because their result is the sta.score/1 object that
// sta score writes too.

/// <summary>A job.</summary>
internal sealed record JobDocument(
    [property: JsonPropertyName("id"), Description("The job's id (32 hex digits).")] string Id,
    [property: JsonPropertyName("status"), Description("queued, running, done or failed.")] string Status,
    [property: JsonPropertyName("progress"), Description("0 to 1.")] double Progress,
    [property: JsonPropertyName("file_name"), Description("The uploaded file's name, as the client gave it.")] string FileName,
    [property: JsonPropertyName("created")] DateTimeOffset Created,
    [property: JsonPropertyName("started")] DateTimeOffset? Started,
    [property: JsonPropertyName("finished")] DateTimeOffset? Finished,
    [property: JsonPropertyName("error"), Description("Why a failed job has no score; null otherwise.")] JobErrorDocument? Error,
    [property: JsonPropertyName("result"), Description("Set when the job is done or failed: the sta.score/1 video object (docs/cli.md) plus evidence.")] VideoResultDocument? Result);

/// <summary>Why a job failed.</summary>
internal sealed record JobErrorDocument(
    [property: JsonPropertyName("type"), Description("The library's error type (VideoDecodeException, VideoTooShortException, VideoScoringException), NoFaceFound, NoClipScored or InternalError.")] string Type,
    [property: JsonPropertyName("message"), Description("The message sta score gives for the same file.")] string Message);

/// <summary>The sta.score/1 video object (docs/cli.md) with the service's evidence.</summary>
internal sealed record VideoResultDocument(
    [property: JsonPropertyName("path"), Description("The uploaded file's name.")] string Path,
    [property: JsonPropertyName("label")] string? Label,
    [property: JsonPropertyName("status"), Description("ok or error.")] string Status,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("frame_count")] int? FrameCount,
    [property: JsonPropertyName("fps")] double? Fps,
    [property: JsonPropertyName("probability"), Description("P(fake) of the video: the mean of its scored clips'.")] double? Probability,
    [property: JsonPropertyName("score"), Description("logit of probability (positive: fake).")] double? Score,
    [property: JsonPropertyName("prediction"), Description("fake or real (probability above the service's threshold).")] string? Prediction,
    [property: JsonPropertyName("clips_scored")] int ClipsScored,
    [property: JsonPropertyName("faces")] FacesDocument Faces,
    [property: JsonPropertyName("timings_ms")] TimingsDocument TimingsMs,
    [property: JsonPropertyName("clips")] IReadOnlyList<ClipDocument> Clips,
    [property: JsonPropertyName("evidence")] EvidenceDocument Evidence);

internal sealed record FacesDocument(
    [property: JsonPropertyName("frames_examined")] int FramesExamined,
    [property: JsonPropertyName("frames_with_face")] int FramesWithFace);

internal sealed record TimingsDocument(
    [property: JsonPropertyName("front_end")] double FrontEnd,
    [property: JsonPropertyName("model")] double Model,
    [property: JsonPropertyName("total")] double Total);

internal sealed record ClipDocument(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("frames"), Description("The video frame indices of the clip.")] IReadOnlyList<int> Frames,
    [property: JsonPropertyName("probability")] double? Probability,
    [property: JsonPropertyName("score")] double? Score,
    [property: JsonPropertyName("frames_with_face")] int FramesWithFace,
    [property: JsonPropertyName("skipped"), Description("Why the clip was not scored (no face, decode error: ...), or null.")] string? Skipped);

/// <summary>What shows why: the faces the network saw and where the evidence for fake lies.</summary>
internal sealed record EvidenceDocument(
    [property: JsonPropertyName("method"), Description("The heat-map method (docs/explanations.md).")] string Method,
    [property: JsonPropertyName("explained_clips")] int ExplainedClips,
    [property: JsonPropertyName("clips")] IReadOnlyList<ClipEvidenceDocument> Clips);

internal sealed record ClipEvidenceDocument(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("probability")] double Probability,
    [property: JsonPropertyName("faces_png"), Description("URL of a PNG strip of the clip's aligned faces.")] string FacesPng,
    [property: JsonPropertyName("heatmap_png"), Description("URL of the faces with the heat laid over them; null for clips not explained.")] string? HeatmapPng,
    [property: JsonPropertyName("peak"), Description("The largest raw heat value (explained clips only).")] double? Peak,
    [property: JsonPropertyName("grid"), Description("Patches per side of the heat arrays (explained clips only).")] int? Grid,
    [property: JsonPropertyName("heat"), Description("Per frame, grid x grid heat values in [0, 1], row-major (explained clips only).")] IReadOnlyList<IReadOnlyList<double>>? Heat);

/// <summary>The service's model, limits and settings.</summary>
internal sealed record InfoDocument(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("frames_per_clip")] int FramesPerClip,
    [property: JsonPropertyName("clip_size")] int ClipSize,
    [property: JsonPropertyName("threshold")] double Threshold,
    [property: JsonPropertyName("explained_clips")] int ExplainedClips,
    [property: JsonPropertyName("explanation_method")] string ExplanationMethod,
    [property: JsonPropertyName("max_upload_bytes")] long MaxUploadBytes,
    [property: JsonPropertyName("workers")] int Workers,
    [property: JsonPropertyName("queue_capacity")] int QueueCapacity,
    [property: JsonPropertyName("result_retention_seconds")] long ResultRetentionSeconds);

/// <summary>Readiness.</summary>
internal sealed record ReadyDocument(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("workers")] int Workers,
    [property: JsonPropertyName("running")] int Running,
    [property: JsonPropertyName("queued")] int Queued,
    [property: JsonPropertyName("queue_capacity")] int QueueCapacity);

using System.Text.Json;
using Sta.MLNet;

namespace Sta.MLNet.Server.Jobs;

/// <summary>
/// The service's analysis: <see cref="StaExplainer"/> on the shared detector, written as the <c>sta.score/1</c>
/// video object that <c>sta score --json</c> writes for the same file, plus an <c>evidence</c> object (per clip: the
/// aligned faces and, for the most suspicious clips, the heat maps, as links to PNGs and as pooled arrays).
/// </summary>
internal sealed class ExplainingAnalyzer(ServedModel model, StaServerOptions options) : IVideoAnalyzer
{
    public JobOutcome Analyze(string jobId, string path, string displayName, IProgress<double> progress, CancellationToken cancellationToken)
    {
        var explanationOptions = new VideoExplanationOptions { ExplainedClips = options.ExplainedClips, MaxClipsWithFaces = Math.Max(64, options.ExplainedClips) };
        // One explainer per job: they share the network, nothing else.
        var explainer = new StaExplainer(model.Detector, model.Scoring, explanationOptions);
        var explanation = explainer.ExplainVideoAsync(path, progress, cancellationToken).GetAwaiter().GetResult();
        var report = VideoScoreResult.From(explanation.Score);
        // The server's file name means nothing to the client and should not leak: messages name the client's file.
        report = report with { Path = displayName, Error = report.Error?.Replace(path, displayName, StringComparison.Ordinal) };
        var images = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var patchSize = model.Detector.Detector.Options.PatchSize;
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            ScoreJson.WriteVideo(w, report, options.Threshold, leaveOpen: true);
            w.WriteStartObject("evidence");
            w.WriteString("method", ExplanationJson.Method);
            w.WriteNumber("explained_clips", explanation.Clips.Count(c => c.HeatMap is not null));
            w.WriteStartArray("clips");
            foreach (var clip in explanation.Clips)
            {
                var index = clip.Score.ClipIndex;
                w.WriteStartObject();
                w.WriteNumber("index", index);
                w.WriteNumber("probability", clip.Score.Probability);
                var faces = $"clips/{index}/faces.png";
                images[faces] = HeatMapImages.FacesPng(clip.Faces);
                w.WriteString("faces_png", $"/api/v1/jobs/{jobId}/{faces}");
                if (clip.HeatMap is { } heat)
                {
                    var overlay = $"clips/{index}/heatmap.png";
                    images[overlay] = HeatMapImages.OverlayPng(clip.Faces, heat, patchSize);
                    w.WriteString("heatmap_png", $"/api/v1/jobs/{jobId}/{overlay}");
                    ExplanationJson.WriteHeat(w, heat, patchSize);
                }
                else
                {
                    w.WriteNull("heatmap_png");
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return new JobOutcome(report.Succeeded, buffer.ToArray(), report.Error, ErrorType(explanation.Score), images);
    }

    /// <summary>The library's exception type, or what stands for the cases without one.</summary>
    private static string? ErrorType(VideoScore score) =>
        score.Error is { } error ? error.GetType().Name
        : score.IsScored ? null
        : score.Issues.Count > 0 && score.Issues.All(i => i.Error is FacelessClipException) ? "NoFaceFound"
        : "NoClipScored";
}

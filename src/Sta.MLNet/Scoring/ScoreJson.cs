using System.Text.Json;

namespace Sta.MLNet;

/// <summary>
/// The <c>sta.score/1</c> JSON layout of a scored video, shared by <c>sta score --json</c> (a document with a
/// <c>videos</c> array of these objects) and the scoring service (one object per job). Field by field in docs/cli.md.
/// </summary>
internal static class ScoreJson
{
    /// <summary>Identifies the layout; bumped when a field changes meaning or disappears.</summary>
    public const string Schema = "sta.score/1";

    /// <summary>"fake" when <paramref name="probability"/> is above <paramref name="threshold"/>, otherwise "real".</summary>
    public static string Verdict(double probability, double threshold) => probability > threshold ? "fake" : "real";

    /// <summary>
    /// Writes the video object of <paramref name="result"/> and leaves it open when <paramref name="leaveOpen"/> is true, so
    /// that a caller can add fields of its own (the service adds per-clip evidence) before ending it.
    /// </summary>
    public static void WriteVideo(Utf8JsonWriter writer, VideoScoreResult result, double threshold, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(result);
        var w = writer;
        w.WriteStartObject();
        w.WriteString("path", result.Path);
        WriteStringOrNull(w, "label", result.Label);
        w.WriteString("status", result.Succeeded ? "ok" : "error");
        WriteStringOrNull(w, "error", result.Error);
        WriteNumberOrNull(w, "frame_count", result.FrameCount);
        WriteNumberOrNull(w, "fps", result.FramesPerSecond);
        WriteNumberOrNull(w, "probability", result.Probability);
        WriteNumberOrNull(w, "score", result.Score);
        WriteStringOrNull(w, "prediction", result.Probability is { } p ? Verdict(p, threshold) : null);
        w.WriteNumber("clips_scored", result.ScoredClipCount);
        w.WriteStartObject("faces");
        w.WriteNumber("frames_examined", result.FramesExamined);
        w.WriteNumber("frames_with_face", result.FramesWithFace);
        w.WriteEndObject();
        w.WriteStartObject("timings_ms");
        w.WriteNumber("front_end", Math.Round(result.Timings.FrontEndMs, 3));
        w.WriteNumber("model", Math.Round(result.Timings.ModelMs, 3));
        w.WriteNumber("total", Math.Round(result.Timings.TotalMs, 3));
        w.WriteEndObject();
        w.WriteStartArray("clips");
        foreach (var c in result.Clips)
        {
            w.WriteStartObject();
            w.WriteNumber("index", c.Index);
            w.WriteStartArray("frames");
            foreach (var f in c.Frames) w.WriteNumberValue(f);
            w.WriteEndArray();
            WriteNumberOrNull(w, "probability", c.Probability);
            WriteNumberOrNull(w, "score", c.Score);
            w.WriteNumber("frames_with_face", c.FramesWithFace);
            WriteStringOrNull(w, "skipped", c.Skipped);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (!leaveOpen) w.WriteEndObject();
    }

    /// <summary>Writes a string, or null for a null value.</summary>
    public static void WriteStringOrNull(Utf8JsonWriter writer, string name, string? value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is null) writer.WriteNull(name);
        else writer.WriteString(name, value);
    }

    /// <summary>Writes a number, or null for a null or non-finite value (JSON has no NaN or infinity).</summary>
    public static void WriteNumberOrNull(Utf8JsonWriter writer, string name, double? value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is { } v && double.IsFinite(v)) writer.WriteNumber(name, v);
        else writer.WriteNull(name);
    }

    /// <summary>
    /// Reads a video object back into the report it was written from. Results that come from a cluster arrive as these
    /// objects; reading them back lets every output (sta score's JSON, CSV, table) come from the one writer. Numbers
    /// survive the trip unchanged: the writer emits the shortest text that parses back to the same double.
    /// </summary>
    /// <exception cref="InvalidDataException">The text is not a video object of that layout.</exception>
    public static VideoScoreResult ReadVideo(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var video = document.RootElement;
            var clips = new List<ClipScoreResult>();
            if (video.TryGetProperty("clips", out var clipArray) && clipArray.ValueKind == JsonValueKind.Array)
            {
                foreach (var clip in clipArray.EnumerateArray())
                {
                    clips.Add(new ClipScoreResult(
                        clip.GetProperty("index").GetInt32(),
                        clip.GetProperty("frames").EnumerateArray().Select(f => f.GetInt32()).ToList(),
                        ReadNumber(clip, "probability"),
                        ReadNumber(clip, "score"),
                        clip.GetProperty("frames_with_face").GetInt32(),
                        ReadText(clip, "skipped")));
                }
            }
            var timings = video.GetProperty("timings_ms");
            return new VideoScoreResult(
                video.GetProperty("path").GetString() ?? throw new InvalidDataException("a video object without a path"),
                ReadText(video, "label"),
                ReadText(video, "error"),
                video.TryGetProperty("frame_count", out var frames) && frames.ValueKind == JsonValueKind.Number ? frames.GetInt32() : null,
                ReadNumber(video, "fps"),
                clips,
                ReadNumber(video, "probability"),
                ReadNumber(video, "score"),
                new ScoreTimings(timings.GetProperty("front_end").GetDouble(), timings.GetProperty("model").GetDouble(), timings.GetProperty("total").GetDouble()));
        }
        catch (Exception error) when (error is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"A result is not a {Schema} video object: {error.Message}", error);
        }
    }

    private static string? ReadText(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static double? ReadNumber(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
}

using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Sta.MLNet.Orleans;

/// <summary>
/// Writes job results in the layouts of <c>sta score</c>: JSON Lines of <c>sta.score/1</c> video objects, and the
/// per-clip CSV with the same columns (docs/cli.md).
/// </summary>
public static class CorpusResultWriter
{
    /// <summary>The CSV header, the same as <c>sta score --csv</c>.</summary>
    public static IReadOnlyList<string> CsvHeader { get; } =
    [
        "path", "label", "status", "error", "video_probability", "video_score", "clip_index", "frame_indices",
        "clip_probability", "clip_score", "frames_with_face", "frames_in_clip", "clip_skipped",
    ];

    /// <summary>One line: the result's video object.</summary>
    public static void WriteJsonLine(TextWriter writer, VideoResult result)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(result);
        writer.WriteLine(result.Json);
    }

    /// <summary>The header line of <see cref="CsvHeader"/>.</summary>
    public static void WriteCsvHeader(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteLine(Line(CsvHeader));
    }

    /// <summary>The result's CSV rows: one per clip, or one for a video without clips.</summary>
    public static void WriteCsvRows(TextWriter writer, VideoResult result)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(result);
        using var document = JsonDocument.Parse(result.Json);
        var video = document.RootElement;
        string?[] head =
        [
            Text(video, "path"), Text(video, "label"), Text(video, "status"), Text(video, "error"),
            Number(video, "probability"), Number(video, "score"),
        ];
        var clips = video.TryGetProperty("clips", out var c) && c.ValueKind == JsonValueKind.Array ? c : default;
        if (clips.ValueKind != JsonValueKind.Array || clips.GetArrayLength() == 0)
        {
            writer.WriteLine(Line([.. head, "", "", "", "", "", "", ""]));
            return;
        }
        foreach (var clip in clips.EnumerateArray())
        {
            var frames = clip.GetProperty("frames").EnumerateArray().Select(f => f.GetInt32().ToString(CultureInfo.InvariantCulture)).ToList();
            writer.WriteLine(Line([
                .. head, clip.GetProperty("index").GetInt32().ToString(CultureInfo.InvariantCulture), string.Join(' ', frames),
                Number(clip, "probability"), Number(clip, "score"),
                clip.GetProperty("frames_with_face").GetInt32().ToString(CultureInfo.InvariantCulture),
                frames.Count.ToString(CultureInfo.InvariantCulture), Text(clip, "skipped"),
            ]));
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>As <c>sta score</c> prints numbers: round-trip invariant form, empty for null.</summary>
    private static string Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetDouble().ToString("R", CultureInfo.InvariantCulture)
            : "";

    private static string Line(IEnumerable<string?> fields) => string.Join(",", fields.Select(Quote));

    private static string Quote(string? field)
    {
        if (string.IsNullOrEmpty(field)) return "";
        if (field.IndexOfAny([',', '"', '\n', '\r']) < 0) return field;
        return new StringBuilder("\"").Append(field.Replace("\"", "\"\"")).Append('"').ToString();
    }
}

using System.Globalization;

namespace Sta.MLNet;

/// <summary>
/// The per-clip CSV of a scored video (<c>sta score --csv</c>; columns in docs/cli.md): one row per clip, or one row
/// for a video without clips. RFC 4180 quoting, invariant round-trip numbers. Shared by <c>sta score</c>,
/// <c>sta cluster score</c> and the cluster's result writer, so their files match.
/// </summary>
internal static class ScoreCsv
{
    public static string[] Header { get; } =
    [
        "path", "label", "status", "error", "video_probability", "video_score", "clip_index", "frame_indices",
        "clip_probability", "clip_score", "frames_with_face", "frames_in_clip", "clip_skipped",
    ];

    public static string HeaderLine { get; } = Line(Header);

    public static IEnumerable<string> Lines(VideoScoreResult r)
    {
        var status = r.Succeeded ? "ok" : "error";
        if (r.Clips.Count == 0)
        {
            yield return Line([r.Path, r.Label, status, r.Error, Number(r.Probability), Number(r.Score), "", "", "", "", "", "", ""]);
            yield break;
        }
        foreach (var c in r.Clips)
        {
            yield return Line([
                r.Path, r.Label, status, r.Error, Number(r.Probability), Number(r.Score),
                c.Index.ToString(CultureInfo.InvariantCulture), string.Join(' ', c.Frames.Select(f => f.ToString(CultureInfo.InvariantCulture))),
                Number(c.Probability), Number(c.Score), c.FramesWithFace.ToString(CultureInfo.InvariantCulture),
                c.Frames.Count.ToString(CultureInfo.InvariantCulture), c.Skipped,
            ]);
        }
    }

    private static string Number(double? value) => value is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : "";

    private static string Line(IEnumerable<string?> fields) => string.Join(",", fields.Select(Quote));

    private static string Quote(string? field)
    {
        if (string.IsNullOrEmpty(field)) return "";
        if (field.IndexOfAny([',', '"', '\n', '\r']) < 0) return field;
        return "\"" + field.Replace("\"", "\"\"") + "\"";
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using Sta.MLNet.Cli.Infrastructure;
using Sta.MLNet;

namespace Sta.MLNet.Cli.Scoring;

/// <summary>
/// The outputs of <c>sta score</c>: a console table, a JSON document and a per-clip CSV (schemas in docs/cli.md).
/// Files are brought up to date after every video, so an interrupted run leaves valid files with the videos done so
/// far: the JSON is rewritten whole (written to a temporary file, then moved over the target) at most every
/// <see cref="JsonRewriteInterval"/> and at the end (a Ctrl+C also ends through <see cref="Complete"/>), the CSV is
/// appended to and flushed after every video.
/// </summary>
internal sealed class ScoreReport : IDisposable
{
    /// <summary>Identifies the JSON layout; bumped when a field changes meaning or disappears.</summary>
    public const string JsonSchema = ScoreJson.Schema;

    public static readonly string[] CsvHeader = ScoreCsv.Header;

    /// <summary>Rewriting the whole JSON after every video would cost quadratic time on large folders.</summary>
    public static readonly TimeSpan JsonRewriteInterval = TimeSpan.FromSeconds(2);

    private readonly List<VideoScoreResult> _results = [];
    private readonly System.Diagnostics.Stopwatch _sinceJsonWrite = System.Diagnostics.Stopwatch.StartNew();
    private readonly string? _jsonPath;
    private readonly StreamWriter? _csv;
    private readonly string _model;
    private readonly double _threshold;

    public ScoreReport(string model, double threshold, string? jsonPath, string? csvPath)
    {
        _model = model;
        _threshold = threshold;
        _jsonPath = jsonPath;
        if (csvPath is not null)
        {
            CreateParent(csvPath);
            _csv = new StreamWriter(csvPath, append: false, new UTF8Encoding(false));
            _csv.WriteLine(ScoreCsv.HeaderLine);
            _csv.Flush();
        }
    }

    public IReadOnlyList<VideoScoreResult> Results => _results;

    public bool Cancelled { get; set; }

    /// <summary>Adds a finished video and brings the files up to date.</summary>
    public void Add(VideoScoreResult result)
    {
        _results.Add(result);
        if (_csv is not null)
        {
            foreach (var line in CsvLines(result)) _csv.WriteLine(line);
            _csv.Flush();
        }
        if (_jsonPath is not null && _jsonPath != "-" && _sinceJsonWrite.Elapsed >= JsonRewriteInterval) WriteJsonFile(_jsonPath);
    }

    /// <summary>Writes the final JSON (to the file, or to <paramref name="stdout"/> for "-").</summary>
    public void Complete(TextWriter stdout)
    {
        if (_jsonPath == "-") stdout.WriteLine(Encoding.UTF8.GetString(Json()));
        else if (_jsonPath is not null) WriteJsonFile(_jsonPath);
    }

    public string Verdict(double probability) => ScoreJson.Verdict(probability, _threshold);

    public static IEnumerable<string> CsvLines(VideoScoreResult r) => ScoreCsv.Lines(r);

    public byte[] Json()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("schema", JsonSchema);
            w.WriteString("model", _model);
            w.WriteNumber("threshold", _threshold);
            w.WriteBoolean("cancelled", Cancelled);
            w.WriteStartObject("summary");
            w.WriteNumber("videos", _results.Count);
            w.WriteNumber("succeeded", _results.Count(r => r.Succeeded));
            w.WriteNumber("failed", _results.Count(r => !r.Succeeded));
            w.WriteEndObject();
            w.WriteStartArray("videos");
            foreach (var r in _results) WriteVideo(w, r);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private void WriteVideo(Utf8JsonWriter w, VideoScoreResult r) => ScoreJson.WriteVideo(w, r, _threshold);

    /// <summary>The human-readable table: one row per video, then a summary line.</summary>
    public void WriteTable(TextWriter output)
    {
        var rows = new List<string[]> { new[] { "video", "status", "clips", "faces", "P(fake)", "verdict", "time" } };
        foreach (var r in _results)
        {
            rows.Add([
                r.Path,
                r.Succeeded ? "ok" : "error",
                $"{r.ScoredClipCount}/{r.Clips.Count}",
                $"{r.FramesWithFace}/{r.FramesExamined}",
                r.Probability is { } p ? p.ToString("F4", CultureInfo.InvariantCulture) : "-",
                r.Probability is { } q ? Verdict(q) : "-",
                $"{r.Timings.TotalMs / 1000:F1}s",
            ]);
        }
        Table.Write(output, rows);
        foreach (var r in _results.Where(r => !r.Succeeded))
            output.WriteLine($"error: {r.Path}: {r.Error}");
        var failed = _results.Count(r => !r.Succeeded);
        output.WriteLine($"{_results.Count} video(s): {_results.Count - failed} scored, {failed} failed" + (Cancelled ? " (cancelled)" : ""));
    }

    public void Dispose() => _csv?.Dispose();

    private void WriteJsonFile(string path)
    {
        CreateParent(path);
        var temporary = path + ".partial";
        File.WriteAllBytes(temporary, Json());
        File.Move(temporary, path, overwrite: true);
        _sinceJsonWrite.Restart();
    }

    private static void CreateParent(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
    }

    internal static void WriteStringOrNull(Utf8JsonWriter w, string name, string? value) => ScoreJson.WriteStringOrNull(w, name, value);

    internal static void WriteNumberOrNull(Utf8JsonWriter w, string name, double? value) => ScoreJson.WriteNumberOrNull(w, name, value);
}

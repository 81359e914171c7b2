using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Sta.MLNet.Data;
using Sta.MLNet.Formats;

namespace Sta.MLNet.Orleans;

/// <summary>
/// The videos of a corpus job, in a fixed order (a video's position is the key of its result). Made from a folder, a
/// CSV or JSONL manifest, or a list of paths; every path must be readable by every silo, so paths are kept as given
/// (folders are made absolute). The same videos in the same order always give the same <see cref="JobId"/>.
/// </summary>
public sealed class CorpusManifest
{
    /// <summary>Extensions a folder scan takes by default (those <c>sta score</c> takes).</summary>
    public static IReadOnlyCollection<string> DefaultExtensions { get; } = new VideoScoringOptions().Extensions;

    /// <param name="videos">The videos, in the order their results are keyed by; paths must be distinct.</param>
    /// <exception cref="ArgumentException">No video, an empty path, or the same path twice.</exception>
    public CorpusManifest(IEnumerable<CorpusVideo> videos)
    {
        ArgumentNullException.ThrowIfNull(videos);
        Videos = videos.ToArray();
        if (Videos.Count == 0) throw new ArgumentException("A corpus job needs at least one video.", nameof(videos));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var video in Videos)
        {
            if (string.IsNullOrWhiteSpace(video.Path)) throw new ArgumentException("A video path is empty.", nameof(videos));
            // One result per video: a path listed twice would make "the result of this video" ambiguous.
            if (!seen.Add(video.Path)) throw new ArgumentException($"The video {video.Path} is listed twice.", nameof(videos));
        }
    }

    /// <summary>The videos, in manifest order.</summary>
    public IReadOnlyList<CorpusVideo> Videos { get; }

    /// <summary>
    /// The id of the job scoring these videos with <paramref name="options"/>: "corpus-" and 24 hex digits of a SHA-256
    /// over the paths, labels and threshold. Resubmitting the same manifest therefore attaches to the same job.
    /// </summary>
    public string JobId(CorpusJobOptions? options = null)
    {
        options ??= new CorpusJobOptions();
        var text = new StringBuilder("sta.corpus/1\n");
        text.Append(options.Threshold.ToString("R", System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        foreach (var video in Videos) text.Append(video.Path).Append('\t').Append(video.Label).Append('\n');
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
        return "corpus-" + Convert.ToHexStringLower(hash)[..24];
    }

    /// <summary>Paths as given, labels from the folder names as <c>sta score</c> reads them.</summary>
    public static CorpusManifest FromPaths(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        return new CorpusManifest(paths.Select(p => new CorpusVideo { Path = p, Label = FolderLabels.Of(p) }));
    }

    /// <summary>
    /// The video files under <paramref name="folder"/> (absolute paths, sorted by relative path as <c>sta score</c> sorts
    /// them), labelled "real"/"fake" when a folder of that name contains them.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static CorpusManifest FromFolder(string folder, bool recursive = true, IEnumerable<string>? extensions = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Video folder not found: {folder}");
        var root = Path.GetFullPath(folder);
        var wanted = new HashSet<string>(extensions ?? DefaultExtensions, StringComparer.OrdinalIgnoreCase);
        var files = Directory.EnumerateFiles(root, "*", recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
            .Where(f => wanted.Contains(Path.GetExtension(f)))
            .OrderBy(f => Path.GetRelativePath(root, f), StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0) throw new ArgumentException($"No video file ({string.Join(", ", wanted)}) under {folder}.", nameof(folder));
        return FromPaths(files);
    }

    /// <summary>
    /// A manifest file: JSON Lines (<c>.jsonl</c>: one object per line with "path" and an optional "label") or CSV (a
    /// header with a "path" column and an optional "label" column). Relative paths are taken relative to the manifest's
    /// folder; without a label, the folder names give it.
    /// </summary>
    /// <exception cref="FormatException">A line that cannot be read, with its number.</exception>
    public static CorpusManifest FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var entries = path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) ? ReadJsonLines(path) : ReadCsv(path);
        return new CorpusManifest(entries.Select(e =>
        {
            var full = Path.IsPathRooted(e.Path) ? e.Path : Path.GetFullPath(Path.Combine(folder, e.Path));
            return new CorpusVideo { Path = full, Label = e.Label ?? FolderLabels.Of(full) };
        }));
    }

    private static IEnumerable<(string Path, string? Label)> ReadJsonLines(string path)
    {
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string? video, label;
            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                video = root.TryGetProperty("path", out var p) ? p.GetString() : null;
                label = root.TryGetProperty("label", out var l) && l.ValueKind == JsonValueKind.String ? l.GetString() : null;
            }
            catch (Exception error) when (error is JsonException or InvalidOperationException)
            {
                throw new FormatException($"{path}:{number}: not a JSON object with a \"path\" string ({error.Message}).", error);
            }
            if (string.IsNullOrWhiteSpace(video)) throw new FormatException($"{path}:{number}: no \"path\".");
            yield return (video, NullIfEmpty(label));
        }
    }

    private static IEnumerable<(string Path, string? Label)> ReadCsv(string path)
    {
        using var reader = new StreamReader(path);
        var header = reader.ReadLine() ?? throw new FormatException($"{path}: empty manifest.");
        var columns = Fields(header, 1).Select(c => c.Trim().ToLowerInvariant()).ToList();
        var pathColumn = columns.IndexOf("path");
        var labelColumn = columns.IndexOf("label");
        if (pathColumn < 0) throw new FormatException($"{path}: the header has no \"path\" column.");
        var number = 1;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var fields = Fields(line, number);
            if (pathColumn >= fields.Count || string.IsNullOrWhiteSpace(fields[pathColumn])) throw new FormatException($"{path}:{number}: no path.");
            yield return (fields[pathColumn], labelColumn >= 0 && labelColumn < fields.Count ? NullIfEmpty(fields[labelColumn].Trim()) : null);
        }

        List<string> Fields(string line, int lineNumber)
        {
            try
            {
                return CsvRecord.Split(line);
            }
            catch (FormatException error)
            {
                throw new FormatException($"{path}:{lineNumber}: {error.Message}", error);
            }
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

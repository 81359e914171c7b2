using System.Globalization;
using Sta.MLNet.Cli.Infrastructure;
using Sta.MLNet.Cli.Scoring;
using Sta.MLNet.Evaluation;
using VideoScoreResult = Sta.MLNet.Scoring.VideoScoreResult;

namespace Sta.MLNet.Cli.Evaluation;

/// <summary>
/// Reads clip scores from a CSV: the per-clip CSV of <c>sta score</c>, or any CSV with the columns <c>label</c>
/// (real/fake, 0/1, false/true) and <c>clip_probability</c> (or <c>probability</c>), and optionally <c>path</c> or
/// <c>video_id</c> to group clips into videos and <c>status</c> (rows other than "ok" are skipped).
/// </summary>
internal static class ScoresCsvReader
{
    public static (List<ClipScore> Clips, int Skipped) Read(string path)
    {
        var records = Csv.Parse(File.ReadAllText(path));
        if (records.Count == 0) throw new UsageException($"{path} is empty.");
        var header = records[0].Select(h => h.Trim()).ToList();
        int Column(params string[] names) => names.Select(n => header.IndexOf(n)).FirstOrDefault(i => i >= 0, -1);
        var label = Column("label");
        var probability = Column("clip_probability", "probability");
        var video = Column("video_id", "path");
        var status = Column("status");
        if (label < 0 || probability < 0)
            throw new UsageException($"{path} needs the columns 'label' and 'clip_probability' (or 'probability'); it has: {string.Join(", ", header)}.");
        var clips = new List<ClipScore>();
        var skipped = 0;
        for (var r = 1; r < records.Count; r++)
        {
            var record = records[r];
            string Field(int i) => i >= 0 && i < record.Length ? record[i].Trim() : "";
            if (status >= 0 && Field(status) != "ok") { skipped++; continue; }
            var labelText = Field(label).ToLowerInvariant();
            bool? isFake = labelText switch
            {
                "fake" or "1" or "true" => true,
                "real" or "0" or "false" => false,
                _ => null,
            };
            if (isFake is null || !double.TryParse(Field(probability), NumberStyles.Float, CultureInfo.InvariantCulture, out var p) || !double.IsFinite(p))
            {
                skipped++;
                continue;
            }
            var id = video >= 0 && Field(video).Length > 0 ? Field(video) : $"row{r}";
            clips.Add(new ClipScore(id, isFake.Value, p));
        }
        return (clips, skipped);
    }

    /// <summary>Clip scores of scored videos (labels from the results; unlabelled videos are skipped).</summary>
    public static List<ClipScore> FromResults(IEnumerable<VideoScoreResult> results) =>
        results.Where(r => r.Succeeded && r.Label is not null)
            .SelectMany(r => r.Clips.Where(c => c.Probability is not null).Select(c => new ClipScore(r.Path, r.Label == "fake", c.Probability!.Value)))
            .ToList();
}

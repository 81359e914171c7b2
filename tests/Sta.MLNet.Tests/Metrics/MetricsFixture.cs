using System.Text.Json;
using Sta.MLNet;
using Sta.MLNet.Tests.Fixtures;

namespace Sta.MLNet.Tests.Metrics;

/// <summary>One <c>metrics</c> case of a preprocess fixture folder's config.json, and its metrics file (README section 4).</summary>
public sealed class MetricsFixture
{
    private MetricsFixture(JsonElement root) => Root = root;

    public JsonElement Root { get; }

    /// <summary>(case name, folder, file, tolerance) of every metrics case of every preprocess fixture folder.</summary>
    public static TheoryData<string, string, string, double> Cases()
    {
        var data = new TheoryData<string, string, string, double>();
        foreach (var folder in FixturePaths.FixtureFolders("preprocess", "STA_PREPROCESS_FIXTURES"))
        {
            using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "config.json")));
            if (!config.RootElement.TryGetProperty("metrics", out var cases)) continue;
            foreach (var c in cases.EnumerateArray())
                data.Add(c.GetProperty("name").GetString()!, folder, c.GetProperty("file").GetString()!, c.GetProperty("tolerance").GetDouble());
        }
        return data;
    }

    public static MetricsFixture Load(string folder, string file)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, file)));
        return new MetricsFixture(document.RootElement.Clone());
    }

    public IReadOnlyList<LabeledScore> Clips => Root.GetProperty("clips").EnumerateArray()
        .Select(c => new LabeledScore(c.GetProperty("video_id").GetString()!, c.GetProperty("label").GetInt32() != 0, c.GetProperty("score").GetDouble()))
        .ToList();

    public IReadOnlyList<LabeledScore> Videos => Root.GetProperty("videos").EnumerateArray()
        .Select(v => new LabeledScore(v.GetProperty("video_id").GetString()!, v.GetProperty("label").GetInt32() != 0,
            v.GetProperty("score").GetDouble(), v.GetProperty("n_clips").GetInt32()))
        .ToList();

    public JsonElement Level(string level) => Root.GetProperty(level);

    public static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();
}

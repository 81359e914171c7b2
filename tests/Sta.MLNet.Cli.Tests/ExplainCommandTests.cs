using System.Text.Json;
using OpenCvSharp;
using Sta.MLNet.Cli.Infrastructure;

namespace Sta.MLNet.Cli.Tests;

public sealed class ExplainCommandTests
{
    private static string[] TinyModel => ["--checkpoint", TestAssets.TinyCheckpoint, "--preset", "tiny"];

    [Fact]
    public void Writes_a_strip_per_clip_and_a_json_with_the_documented_fields()
    {
        var folder = TestAssets.NewFolder("explain");
        var result = CliRun.Invoke(["explain", TestAssets.FaceVideo, "--out", folder, .. TinyModel]);
        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());

        // 16 frames, DeepfakeBench sampling: 2 clips, both explained; each strip has the faces over their heat, 8 frames of 128 px.
        Assert.Equal(["clip-000.png", "clip-001.png", "explanation.json"], Directory.GetFiles(folder).Select(Path.GetFileName).Order());
        foreach (var strip in new[] { "clip-000.png", "clip-001.png" })
        {
            using var picture = Cv2.ImRead(Path.Combine(folder, strip));
            Assert.Equal((2 * 128, 8 * 128), (picture.Rows, picture.Cols));
            Assert.Contains(strip, result.Out);
        }
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "explanation.json")));
        var root = document.RootElement;
        Assert.Equal(new SortedSet<string>(CliDoc.Block("explain-json-fields"), StringComparer.Ordinal), JsonPaths.Of(root));
        Assert.Equal("sta.explain/1", root.GetProperty("schema").GetString());
        Assert.Equal("ok", root.GetProperty("video").GetProperty("status").GetString());
        var clip = root.GetProperty("clips")[0];
        Assert.Equal(4, clip.GetProperty("grid").GetInt32());
        Assert.Equal(8, clip.GetProperty("heat").GetArrayLength());
        Assert.All(clip.GetProperty("heat").EnumerateArray(), frame => Assert.Equal(16, frame.GetArrayLength()));

        // The video object is the one sta score writes for the same file.
        var scores = Path.Combine(folder, "..", Path.GetFileName(folder) + "-scores.json");
        Assert.Equal(ExitCodes.Success, CliRun.Invoke(["score", TestAssets.FaceVideo, .. TinyModel, "--json", scores]).ExitCode);
        using var scored = JsonDocument.Parse(File.ReadAllBytes(scores));
        var expected = scored.RootElement.GetProperty("videos")[0];
        foreach (var field in new[] { "path", "status", "frame_count", "clips_scored", "prediction" })
            Assert.Equal(expected.GetProperty(field).ToString(), root.GetProperty("video").GetProperty(field).ToString());
        Assert.Equal(expected.GetProperty("probability").GetDouble(), root.GetProperty("video").GetProperty("probability").GetDouble(), 4);
    }

    [Fact]
    public void Top_limits_the_strips_to_the_most_suspicious_clips()
    {
        var folder = TestAssets.NewFolder("explain-top");
        var result = CliRun.Invoke(["explain", TestAssets.FaceVideo, "--out", folder, "--top", "1", .. TinyModel]);
        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());

        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "explanation.json")));
        var clips = document.RootElement.GetProperty("video").GetProperty("clips").EnumerateArray().ToList();
        var top = clips.OrderByDescending(c => c.GetProperty("probability").GetDouble()).First().GetProperty("index").GetInt32();
        Assert.Equal([$"clip-{top:D3}.png", "explanation.json"], Directory.GetFiles(folder).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void A_bad_video_exits_1_with_the_message_score_gives()
    {
        var folder = TestAssets.NewFolder("explain-bad");
        var result = CliRun.Invoke(["explain", TestAssets.CorruptVideo, "--out", folder, .. TinyModel]);
        var score = CliRun.Invoke(["score", TestAssets.CorruptVideo, .. TinyModel]);

        Assert.True(result.ExitCode == ExitCodes.Failure, result.ToString());
        var message = score.Error.Split('\n').Single(l => l.StartsWith("warning: ", StringComparison.Ordinal))["warning: ".Length..].Trim();
        Assert.Contains($"error: {message}", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "explanation.json")));
        Assert.Equal("error", document.RootElement.GetProperty("video").GetProperty("status").GetString());
        Assert.Equal(0, document.RootElement.GetProperty("clips").GetArrayLength());
    }
}

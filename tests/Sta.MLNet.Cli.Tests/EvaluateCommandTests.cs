using System.Text.Json;
using Sta.MLNet.Cli.Infrastructure;

namespace Sta.MLNet.Cli.Tests;

public sealed class EvaluateCommandTests
{
    [Fact]
    public void A_scores_csv_gives_the_deepfakebench_metrics()
    {
        var folder = TestAssets.NewFolder("evaluate");
        var csv = Path.Combine(folder, "clips.csv");
        // Two videos per class, two clips each; one real clip (0.7) ranks above one fake clip (0.6).
        File.WriteAllLines(csv,
        [
            "path,label,status,clip_probability",
            "r1,real,ok,0.1", "r1,real,ok,0.2",
            "r2,real,ok,0.7", "r2,real,ok,0.3",
            "f1,fake,ok,0.8", "f1,fake,ok,0.9",
            "f2,fake,ok,0.6", "f2,fake,ok,0.95",
            "f3,fake,error,",
            "u1,,ok,0.5",
        ]);
        var roc = Path.Combine(folder, "roc.png");
        var result = CliRun.Invoke("evaluate", "--scores", csv, "--json", "-", "--roc", roc);
        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        Assert.Contains("2 row(s)", result.Error);
        using var document = JsonDocument.Parse(result.Out);
        var clip = document.RootElement.GetProperty("clip");
        Assert.Equal(8, clip.GetProperty("count").GetInt32());
        Assert.Equal(4, clip.GetProperty("fake").GetInt32());
        // 16 real/fake pairs, one inverted: AUC 15/16; ACC: 0.7 counted fake, 0.6 fake -> 7/8 right.
        Assert.Equal(15.0 / 16, clip.GetProperty("auc").GetDouble(), 12);
        Assert.Equal(7.0 / 8, clip.GetProperty("acc").GetDouble(), 12);
        var video = document.RootElement.GetProperty("video");
        Assert.Equal(4, video.GetProperty("count").GetInt32());
        Assert.Equal(1.0, video.GetProperty("auc").GetDouble(), 12);
        Assert.True(File.Exists(roc));
    }

    [Fact]
    public void A_csv_without_the_needed_columns_is_a_usage_error()
    {
        var csv = Path.Combine(TestAssets.NewFolder("evaluate-bad"), "x.csv");
        File.WriteAllLines(csv, ["a,b", "1,2"]);
        var result = CliRun.Invoke("evaluate", "--scores", csv);
        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains("clip_probability", result.Error);
    }

    [Fact]
    public void Exactly_one_source_is_required()
    {
        var result = CliRun.Invoke("evaluate", "--roc", "x.png");
        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
    }
}

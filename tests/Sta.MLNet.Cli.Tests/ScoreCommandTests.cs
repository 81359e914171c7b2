using System.Text.Json;
using Sta.MLNet.Cli.Infrastructure;

namespace Sta.MLNet.Cli.Tests;

public sealed class ScoreCommandTests(Xunit.Abstractions.ITestOutputHelper log)
{
    [Fact]
    public void Scores_a_video_with_a_tiny_checkpoint_and_writes_json_and_csv()
    {
        var folder = TestAssets.NewFolder("score");
        var json = Path.Combine(folder, "scores.json");
        var csv = Path.Combine(folder, "scores.csv");
        var result = CliRun.Invoke("score", TestAssets.FaceVideo, "--checkpoint", TestAssets.TinyCheckpoint, "--preset", "tiny", "--json", json, "--csv", csv);
        log.WriteLine(result.ToString());
        log.WriteLine(File.ReadAllText(csv));
        File.Copy(TestAssets.TinyCheckpoint, "/tmp/clitry/tiny.pth", true);
        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        Assert.Contains("1 video(s): 1 scored, 0 failed", result.Out);
    }
}

using Sta.MLNet.Cli.Infrastructure;

namespace Sta.MLNet.Cli.Tests;

public sealed class UsageTests
{
    [Theory]
    [InlineData("")]
    [InlineData("frobnicate")]
    [InlineData("score")]
    [InlineData("score x.mp4 --no-such-option")]
    [InlineData("score x.mp4 --threshold high")]
    [InlineData("score x.mp4 --sampling random")]
    [InlineData("evaluate --scores x.csv --threshold 1.5")]
    [InlineData("train --dataset d.json")]
    [InlineData("preprocess x.mp4")]
    [InlineData("inspect")]
    [InlineData("explain")]
    [InlineData("explain x.mp4")]
    [InlineData("serve --workers many")]
    public void Parse_errors_exit_with_2_and_say_what_is_wrong(string commandLine)
    {
        var result = CliRun.Invoke(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains("error:", result.Error);
        Assert.Equal("", result.Out);
    }

    [Fact]
    public void A_missing_input_is_a_usage_error()
    {
        var result = CliRun.Invoke("score", "/no/such/video.mp4", "--checkpoint", TestAssets.TinyCheckpoint, "--preset", "tiny");
        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains("/no/such/video.mp4", result.Error);
    }

    [Fact]
    public void Score_needs_exactly_one_model_source()
    {
        var neither = CliRun.Invoke("score", TestAssets.FaceVideo);
        Assert.True(neither.ExitCode == ExitCodes.Usage, neither.ToString());
        Assert.Contains("--checkpoint", neither.Error);
        var both = CliRun.Invoke("score", TestAssets.FaceVideo, "--checkpoint", TestAssets.TinyCheckpoint, "--model", TestAssets.TinyCheckpoint);
        Assert.True(both.ExitCode == ExitCodes.Usage, both.ToString());
    }

    [Fact]
    public void An_unknown_preset_is_a_usage_error()
    {
        var result = CliRun.Invoke("score", TestAssets.FaceVideo, "--checkpoint", TestAssets.TinyCheckpoint, "--preset", "huge");
        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains("huge", result.Error);
    }

    [Fact]
    public void Help_lists_every_verb_and_exits_0()
    {
        var result = CliRun.Invoke("--help");
        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        foreach (var verb in new[] { "score", "explain", "serve", "train", "evaluate", "preprocess", "blend", "inspect", "export", "cluster" })
            Assert.Contains(verb, result.Out);
        var verbHelp = CliRun.Invoke("train", "--help");
        Assert.Equal(ExitCodes.Success, verbHelp.ExitCode);
        Assert.Contains("--vb-ratio", verbHelp.Out);
    }
}

using System.Text.Json;
using Sta.MLNet.Cli.Infrastructure;

namespace Sta.MLNet.Cli.Tests;

/// <summary><c>sta export --onnx</c> and <c>sta score --onnx</c>: the same videos give the same verdicts and scores as the TorchSharp path.</summary>
public class OnnxCommandTests
{
    private static string[] TinyModel => ["--checkpoint", TestAssets.TinyCheckpoint, "--preset", "tiny"];

    private static string Export(string name, params string[] extra)
    {
        var path = Path.Combine(TestAssets.NewFolder("onnx-" + name), name + ".onnx");
        var result = CliRun.Invoke(["export", TestAssets.TinyCheckpoint, "--preset", "tiny", "--onnx", path, .. extra]);
        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        Assert.Contains("input clips [batch, 8, 3, 32, 32]", result.Out);
        return path;
    }

    [Fact]
    public void Score_with_an_exported_model_gives_the_torchsharp_verdicts_and_scores()
    {
        var onnx = Export("tiny");
        var folder = TestAssets.NewFolder("onnx-videos");
        var broken = Path.Combine(folder, "broken.mp4");
        File.WriteAllBytes(broken, [0, 1, 2, 3, 4, 5, 6, 7]);
        var mirrored = TestAssets.Encode("mirrored.mp4", frames: 24, size: 320, folder, mirrored: true);
        string[] inputs = [TestAssets.FaceVideo, broken, mirrored];
        var torch = CliRun.Invoke(["score", .. inputs, .. TinyModel, "--json", "-"]);
        var ort = CliRun.Invoke(["score", .. inputs, "--onnx", onnx, "--threads", "1", "--json", "-"]);
        Assert.True(ort.ExitCode == ExitCodes.Success, ort.ToString());
        using var a = JsonDocument.Parse(torch.Out);
        using var b = JsonDocument.Parse(ort.Out);
        Assert.Equal(a.RootElement.GetProperty("schema").GetString(), b.RootElement.GetProperty("schema").GetString());
        Assert.StartsWith("onnx ", b.RootElement.GetProperty("model").GetString());
        static IEnumerable<string> Verdicts(JsonDocument d) => d.RootElement.GetProperty("videos").EnumerateArray().Select(v =>
            $"{v.GetProperty("path").GetString()} {v.GetProperty("status").GetString()} {v.GetProperty("clips").GetArrayLength()} " +
            (v.TryGetProperty("prediction", out var p) ? p.ToString() : ""));
        static double[] Scores(JsonDocument d) => d.RootElement.GetProperty("videos").EnumerateArray()
            .SelectMany(v => v.GetProperty("clips").EnumerateArray()).Where(c => c.GetProperty("score").ValueKind == JsonValueKind.Number)
            .Select(c => c.GetProperty("score").GetDouble()).ToArray();
        Assert.Equal(Verdicts(a), Verdicts(b));
        Assert.Equal(new[] { "ok", "error", "ok" }, b.RootElement.GetProperty("videos").EnumerateArray().Select(v => v.GetProperty("status").GetString()));
        Assert.NotEmpty(Scores(a));
        Assert.Equal(Scores(a), Scores(b), (x, y) => Math.Abs(x - y) < 1e-4);
    }

    [Fact]
    public void Int8_export_scores_close_to_float32()
    {
        var fp32 = Export("fp32");
        var int8 = Export("int8", "--int8");
        Assert.True(new FileInfo(int8).Length < new FileInfo(fp32).Length);
        var a = CliRun.Invoke(["score", TestAssets.FaceVideo, "--onnx", fp32, "--threads", "1", "--json", "-"]);
        var b = CliRun.Invoke(["score", TestAssets.FaceVideo, "--onnx", int8, "--threads", "1", "--json", "-"]);
        Assert.True(b.ExitCode == ExitCodes.Success, b.ToString());
        using var x = JsonDocument.Parse(a.Out);
        using var y = JsonDocument.Parse(b.Out);
        Assert.Contains("int8", y.RootElement.GetProperty("model").GetString());
        Assert.Equal(x.RootElement.GetProperty("videos")[0].GetProperty("probability").GetDouble(),
            y.RootElement.GetProperty("videos")[0].GetProperty("probability").GetDouble(), 0.05);
    }

    [Fact]
    public void Wrong_combinations_and_files_that_are_not_sta_networks_are_reported()
    {
        var onnx = Export("usage");
        var both = CliRun.Invoke(["score", TestAssets.FaceVideo, "--onnx", onnx, .. TinyModel]);
        Assert.Equal(ExitCodes.Usage, both.ExitCode);
        Assert.Contains("--onnx", both.Error);
        var bf16 = CliRun.Invoke(["score", TestAssets.FaceVideo, "--onnx", onnx, "--bf16"]);
        Assert.Equal(ExitCodes.Usage, bf16.ExitCode);
        var threads = CliRun.Invoke(["score", TestAssets.FaceVideo, .. TinyModel, "--threads", "2"]);
        Assert.Equal(ExitCodes.Usage, threads.ExitCode);
        Assert.Contains("--threads applies to --onnx", threads.Error);

        var garbage = Path.Combine(TestAssets.NewFolder("onnx-garbage"), "garbage.onnx");
        File.WriteAllText(garbage, "not a model");
        var bad = CliRun.Invoke(["score", TestAssets.FaceVideo, "--onnx", garbage]);
        Assert.Equal(ExitCodes.Failure, bad.ExitCode);
        Assert.Contains("cannot load", bad.Error);
        var missing = CliRun.Invoke(["export", TestAssets.TinyCheckpoint, "--preset", "official", "--onnx", garbage]);
        Assert.Equal(ExitCodes.Failure, missing.ExitCode);
        Assert.Equal("not a model", File.ReadAllText(garbage)); // a failed export leaves an existing file alone
    }
}

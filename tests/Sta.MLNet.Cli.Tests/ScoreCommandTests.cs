using System.Globalization;
using System.Text.Json;
using Sta.MLNet.Cli.Commands;
using Sta.MLNet.Cli.Infrastructure;
using Sta.MLNet.Cli.Scoring;
using Sta.MLNet.Scoring;
using Sta.MLNet.Video;

namespace Sta.MLNet.Cli.Tests;

public sealed class ScoreCommandTests
{
    private static string[] TinyModel => ["--checkpoint", TestAssets.TinyCheckpoint, "--preset", "tiny"];

    [Fact]
    public void Scores_a_video_and_writes_json_and_csv_with_the_documented_schemas()
    {
        var folder = TestAssets.NewFolder("score");
        var json = Path.Combine(folder, "scores.json");
        var csv = Path.Combine(folder, "scores.csv");
        var result = CliRun.Invoke(["score", TestAssets.FaceVideo, .. TinyModel, "--json", json, "--csv", csv]);
        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        Assert.Contains("1 video(s): 1 scored, 0 failed", result.Out);

        using var document = JsonDocument.Parse(File.ReadAllBytes(json));
        var root = document.RootElement;
        Assert.Equal(new SortedSet<string>(CliDoc.Block("score-json-fields"), StringComparer.Ordinal), JsonPaths.Of(root));
        Assert.Equal("sta.score/1", root.GetProperty("schema").GetString());
        Assert.False(root.GetProperty("cancelled").GetBoolean());
        var video = Assert.Single(root.GetProperty("videos").EnumerateArray().ToList());
        Assert.Equal("ok", video.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, video.GetProperty("error").ValueKind);
        Assert.Equal(16, video.GetProperty("frame_count").GetInt32());
        Assert.Equal(25, video.GetProperty("fps").GetDouble(), 3);
        // 16 frames, DeepfakeBench sampling: all 16 used, 2 clips of 8 consecutive frames.
        var clips = video.GetProperty("clips").EnumerateArray().ToList();
        Assert.Equal(2, clips.Count);
        Assert.Equal(Enumerable.Range(8, 8), clips[1].GetProperty("frames").EnumerateArray().Select(f => f.GetInt32()));
        var probabilities = clips.Select(c => c.GetProperty("probability").GetDouble()).ToList();
        Assert.All(probabilities, p => Assert.InRange(p, 0, 1));
        foreach (var clip in clips)
            Assert.Equal(clip.GetProperty("probability").GetDouble(), 1 / (1 + Math.Exp(-clip.GetProperty("score").GetDouble())), 5);
        Assert.Equal(probabilities.Average(), video.GetProperty("probability").GetDouble(), 12);
        Assert.Equal(16, video.GetProperty("faces").GetProperty("frames_with_face").GetInt32());
        Assert.True(video.GetProperty("timings_ms").GetProperty("total").GetDouble() >= video.GetProperty("timings_ms").GetProperty("model").GetDouble());

        var lines = File.ReadAllLines(csv);
        Assert.Equal(CliDoc.Block("score-csv-header").Single(), lines[0]);
        Assert.Equal(ScoreReport.CsvHeader, lines[0].Split(','));
        Assert.Equal(3, lines.Length);
        var row = Csv.Parse(lines[2])[0];
        Assert.Equal("1", row[Array.IndexOf(ScoreReport.CsvHeader, "clip_index")]);
        Assert.Equal("8 9 10 11 12 13 14 15", row[Array.IndexOf(ScoreReport.CsvHeader, "frame_indices")]);
        Assert.Equal(probabilities[1], double.Parse(row[Array.IndexOf(ScoreReport.CsvHeader, "clip_probability")], CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Json_to_stdout_replaces_the_table_and_the_same_video_scores_the_same()
    {
        var first = CliRun.Invoke(["score", TestAssets.FaceVideo, .. TinyModel, "--json", "-"]);
        var second = CliRun.Invoke(["score", TestAssets.FaceVideo, .. TinyModel, "--json", "-", "--sampling", "consecutive"]);
        Assert.True(first.ExitCode == ExitCodes.Success, first.ToString());
        using var a = JsonDocument.Parse(first.Out);
        using var b = JsonDocument.Parse(second.Out);
        Assert.DoesNotContain("video(s):", first.Out);
        // 16 frames: both samplings choose the same two clips, so the scores agree exactly.
        Assert.Equal(a.RootElement.GetProperty("videos")[0].GetProperty("probability").GetDouble(),
            b.RootElement.GetProperty("videos")[0].GetProperty("probability").GetDouble());
    }

    [Fact]
    public void Bf16_scores_stay_close_to_float32_and_the_output_says_so()
    {
        var fp32 = CliRun.Invoke(["score", TestAssets.FaceVideo, .. TinyModel, "--json", "-"]);
        var bf16 = CliRun.Invoke(["score", TestAssets.FaceVideo, .. TinyModel, "--json", "-", "--bf16"]);
        Assert.True(bf16.ExitCode == ExitCodes.Success, bf16.ToString());
        using var a = JsonDocument.Parse(fp32.Out);
        using var b = JsonDocument.Parse(bf16.Out);
        Assert.EndsWith(", bf16", b.RootElement.GetProperty("model").GetString());
        Assert.DoesNotContain("bf16", a.RootElement.GetProperty("model").GetString());
        var scores = new[] { a, b }.Select(d => d.RootElement.GetProperty("videos")[0].GetProperty("clips").EnumerateArray()
            .Select(c => c.GetProperty("score").GetDouble()).ToArray()).ToArray();
        Assert.Equal(scores[0].Length, scores[1].Length);
        for (int i = 0; i < scores[0].Length; i++)
        {
            Assert.NotEqual(scores[0][i], scores[1][i]);
            Assert.Equal(scores[0][i], scores[1][i], 0.05);
        }
    }

    [Fact]
    public void Several_front_end_workers_give_the_same_results_in_input_order()
    {
        var folder = TestAssets.NewFolder("workers");
        var broken = Path.Combine(folder, "broken.mp4");
        File.WriteAllBytes(broken, [0, 1, 2, 3, 4, 5, 6, 7]);
        string[] inputs = [TestAssets.FaceVideo, broken, TestAssets.FaceVideo];
        var one = CliRun.Invoke(["score", .. inputs, .. TinyModel, "--json", "-", "--workers", "1"]);
        var three = CliRun.Invoke(["score", .. inputs, .. TinyModel, "--json", "-", "--workers", "3"]);
        Assert.True(three.ExitCode == ExitCodes.Success, three.ToString());
        using var a = JsonDocument.Parse(one.Out);
        using var b = JsonDocument.Parse(three.Out);
        static IEnumerable<string> Summary(JsonDocument d) => d.RootElement.GetProperty("videos").EnumerateArray().Select(v =>
            $"{v.GetProperty("path").GetString()} {v.GetProperty("status").GetString()} {v.GetProperty("clips").GetArrayLength()} clip(s)");
        static double[] Scores(JsonDocument d) => d.RootElement.GetProperty("videos").EnumerateArray()
            .SelectMany(v => v.GetProperty("clips").EnumerateArray()).Select(c => c.GetProperty("score").GetDouble()).ToArray();
        Assert.Equal(Summary(a), Summary(b));
        // Clips of several videos can share a batch: the same scores up to BLAS rounding of another batch size.
        Assert.Equal(Scores(a), Scores(b), (x, y) => Math.Abs(x - y) < 1e-5);
        Assert.Equal(inputs, b.RootElement.GetProperty("videos").EnumerateArray().Select(v => v.GetProperty("path").GetString()));
        Assert.Equal("error", b.RootElement.GetProperty("videos")[1].GetProperty("status").GetString());
        foreach (var video in b.RootElement.GetProperty("videos").EnumerateArray().Where(v => v.GetProperty("status").GetString() == "ok"))
        {
            var timings = video.GetProperty("timings_ms");
            Assert.True(timings.GetProperty("total").GetDouble() >= timings.GetProperty("model").GetDouble());
            Assert.True(timings.GetProperty("total").GetDouble() >= timings.GetProperty("front_end").GetDouble());
        }
        var usage = CliRun.Invoke(["score", TestAssets.FaceVideo, .. TinyModel, "--workers", "0"]);
        Assert.Equal(ExitCodes.Usage, usage.ExitCode);
        Assert.Contains("--workers", usage.Error);
    }

    [Fact]
    public void A_folder_with_a_corrupt_video_scores_the_rest_and_reports_the_bad_one()
    {
        var folder = TestAssets.NewFolder("mixed");
        File.Copy(TestAssets.FaceVideo, Path.Combine(folder, "good.mp4"));
        File.Copy(TestAssets.CorruptVideo, Path.Combine(folder, "bad.mp4"));
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not a video");
        var json = Path.Combine(folder, "out", "scores.json");
        var csv = Path.Combine(folder, "out", "scores.csv");
        var result = CliRun.Invoke(["score", folder, .. TinyModel, "--json", json, "--csv", csv]);

        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        Assert.Contains("2 video(s): 1 scored, 1 failed", result.Out);
        Assert.Contains("bad.mp4", result.Error);
        using var document = JsonDocument.Parse(File.ReadAllBytes(json));
        var videos = document.RootElement.GetProperty("videos").EnumerateArray().ToDictionary(v => Path.GetFileName(v.GetProperty("path").GetString()!));
        Assert.Equal(2, videos.Count);
        Assert.Equal("error", videos["bad.mp4"].GetProperty("status").GetString());
        Assert.Contains("bad.mp4", videos["bad.mp4"].GetProperty("error").GetString());
        Assert.Equal(JsonValueKind.Null, videos["bad.mp4"].GetProperty("probability").ValueKind);
        Assert.Equal("ok", videos["good.mp4"].GetProperty("status").GetString());
        Assert.Equal(1, document.RootElement.GetProperty("summary").GetProperty("failed").GetInt32());
        var rows = Csv.Parse(File.ReadAllText(csv)).Skip(1).ToList();
        Assert.Single(rows, r => r[0].EndsWith("bad.mp4", StringComparison.Ordinal) && r[2] == "error" && r[3].Length > 0);
        Assert.Equal(2, rows.Count(r => r[0].EndsWith("good.mp4", StringComparison.Ordinal) && r[2] == "ok"));
    }

    [Fact]
    public void A_truncated_video_scores_the_clips_that_decode_and_marks_the_others()
    {
        var folder = TestAssets.NewFolder("truncated");
        var whole = Path.Combine(folder, "whole.mp4");
        // The index first (faststart), so that the cut file still opens and lists all 32 frames.
        TestAssets.EncodeSource(whole, $"-loop 1 -i \"{TestAssets.AstronautPng}\" -vf \"scale=336:336,zoompan=z='1+0.002*on':d=1:s=320x320:fps=25\" -movflags +faststart", frames: 32);
        var bytes = File.ReadAllBytes(whole);
        var cut = Path.Combine(folder, "cut.mp4");
        File.WriteAllBytes(cut, bytes[..(bytes.Length * 90 / 100)]);

        var result = CliRun.Invoke(["score", cut, .. TinyModel, "--json", "-"]);
        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        using var document = JsonDocument.Parse(result.Out);
        var video = document.RootElement.GetProperty("videos")[0];
        Assert.Equal("ok", video.GetProperty("status").GetString());
        var clips = video.GetProperty("clips").EnumerateArray().ToList();
        // Demuxing finds the packets left in the cut file; the last of them no longer decode.
        Assert.InRange(video.GetProperty("frame_count").GetInt32(), 16, 31);
        var scored = clips.Where(c => c.GetProperty("probability").ValueKind == JsonValueKind.Number).ToList();
        var failed = clips.Except(scored).ToList();
        Assert.NotEmpty(scored);
        Assert.NotEmpty(failed);
        Assert.All(failed, c => Assert.StartsWith("decode error", c.GetProperty("skipped").GetString()));
        Assert.Equal(scored.Count, video.GetProperty("clips_scored").GetInt32());
        Assert.Equal(scored.Average(c => c.GetProperty("probability").GetDouble()), video.GetProperty("probability").GetDouble(), 12);
    }

    [Fact]
    public void When_every_input_fails_the_exit_code_is_1()
    {
        var result = CliRun.Invoke(["score", TestAssets.CorruptVideo, .. TinyModel]);
        Assert.True(result.ExitCode == ExitCodes.Failure, result.ToString());
        Assert.Contains("0 scored, 1 failed", result.Out);
    }

    [Fact]
    public void A_video_without_a_face_is_an_error_with_its_clips_marked()
    {
        var folder = TestAssets.NewFolder("noface");
        var video = Path.Combine(folder, "grey.mp4");
        TestAssets.EncodeSource(video, "-f lavfi -i color=c=gray:s=160x160:r=25", frames: 8);
        var result = CliRun.Invoke(["score", video, .. TinyModel, "--json", "-"]);
        Assert.True(result.ExitCode == ExitCodes.Failure, result.ToString());
        using var document = JsonDocument.Parse(result.Out);
        var entry = document.RootElement.GetProperty("videos")[0];
        Assert.Contains("no face", entry.GetProperty("error").GetString());
        Assert.Equal("no face", entry.GetProperty("clips")[0].GetProperty("skipped").GetString());
    }

    [Fact]
    public void Cancellation_keeps_the_videos_finished_so_far_in_json_and_csv()
    {
        var folder = TestAssets.NewFolder("cancel");
        var json = Path.Combine(folder, "scores.json");
        var csv = Path.Combine(folder, "scores.csv");
        using var cancellation = new CancellationTokenSource();
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext(output, error, Interactive: false, cancellation.Token);
        // The scorer asks to stop while the second video is being scored, as Ctrl+C would.
        var scorer = new ScriptedScorer(onCall: n => { if (n == 2) cancellation.Cancel(); });
        var code = ScoreCommand.Run(context, scorer, ["v1.mp4", "v2.mp4", "v3.mp4"], json, csv, 0.5);

        Assert.Equal(ExitCodes.Cancelled, code);
        using var document = JsonDocument.Parse(File.ReadAllBytes(json));
        Assert.True(document.RootElement.GetProperty("cancelled").GetBoolean());
        Assert.Equal(["v1.mp4"], document.RootElement.GetProperty("videos").EnumerateArray().Select(v => v.GetProperty("path").GetString()));
        Assert.Equal(2, File.ReadAllLines(csv).Length);
        Assert.Contains("cancelled after 1 of 3", error.ToString());
    }

    [Fact]
    public void A_cancelled_token_before_the_start_scores_nothing_and_exits_130()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();
        var folder = TestAssets.NewFolder("precancel");
        var json = Path.Combine(folder, "scores.json");
        var result = CliRun.Invoke(cancellation.Token, ["score", TestAssets.FaceVideo, .. TinyModel, "--json", json]);
        Assert.True(result.ExitCode == ExitCodes.Cancelled, result.ToString());
        using var document = JsonDocument.Parse(File.ReadAllBytes(json));
        Assert.Equal(0, document.RootElement.GetProperty("videos").GetArrayLength());
    }

    [Fact]
    public void Ctrl_C_with_several_workers_keeps_the_finished_videos_in_input_order()
    {
        var folder = TestAssets.NewFolder("cancel-workers");
        var json = Path.Combine(folder, "scores.json");
        // Eight names for the same video, so that the kept results can be checked to be a prefix of the input.
        var inputs = Enumerable.Range(0, 8).Select(i => Path.Combine(folder, $"video{i}.mp4")).ToArray();
        foreach (var input in inputs) File.Copy(TestAssets.FaceVideo, input);
        using var cancellation = new CancellationTokenSource();
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext(output, error, Interactive: false, cancellation.Token);
        var library = ScoreCommand.CreateScorer(null, TestAssets.TinyCheckpoint, null, "tiny",
            ClipSamplingOptions.DeepfakeBench, Sta.MLNet.Cli.Faces.FaceSettings.Default, workers: 2);
        // Ctrl+C as soon as the first video is reported, while the workers are on later ones.
        using var scorer = new CancelAfterFirst(library, cancellation);
        var code = ScoreCommand.Run(context, scorer, inputs, json, null, 0.5);

        // How many videos are finished when Ctrl+C lands depends on scheduling: the workers may even have finished all of
        // them before the first one is delivered. What holds for every interleaving: the kept results are the finished
        // prefix of the input, all scored, and a run that lost videos says so and exits with the cancelled code.
        using var document = JsonDocument.Parse(File.ReadAllBytes(json));
        var kept = document.RootElement.GetProperty("videos").EnumerateArray().ToList();
        Assert.InRange(kept.Count, 1, inputs.Length);
        Assert.Equal(inputs.Take(kept.Count), kept.Select(v => v.GetProperty("path").GetString()));
        Assert.All(kept, v => Assert.Equal("ok", v.GetProperty("status").GetString()));
        if (kept.Count < inputs.Length)
        {
            Assert.Equal(ExitCodes.Cancelled, code);
            Assert.True(document.RootElement.GetProperty("cancelled").GetBoolean());
            Assert.Contains($"cancelled after {kept.Count} of {inputs.Length}", error.ToString());
        }
        else
        {
            Assert.True(code is ExitCodes.Cancelled or ExitCodes.Success, $"exit code {code}");
        }
    }

    private sealed class CancelAfterFirst(IVideoScorer inner, CancellationTokenSource cancellation) : IVideoScorer
    {
        public string ModelDescription => inner.ModelDescription;

        public void ScoreAll(IReadOnlyList<LabelledVideo> videos, Action<VideoScoreResult> finished, CancellationToken cancellationToken) =>
            inner.ScoreAll(videos, result =>
            {
                finished(result);
                cancellation.Cancel();
            }, cancellationToken);

        public void Dispose() => inner.Dispose();
    }

    /// <summary>Returns a fixed result per video and runs a callback with the call number (1-based) first.</summary>
    private sealed class ScriptedScorer(Action<int> onCall) : IVideoScorer
    {
        private int _calls;

        public string ModelDescription => "scripted";

        public void ScoreAll(IReadOnlyList<LabelledVideo> videos, Action<VideoScoreResult> finished, CancellationToken cancellationToken)
        {
            foreach (var (path, label) in videos)
            {
                onCall(++_calls);
                cancellationToken.ThrowIfCancellationRequested();
                var clip = new ClipScoreResult(0, [0, 1, 2, 3, 4, 5, 6, 7], 0.25, Math.Log(0.25 / 0.75), 8, null);
                finished(new VideoScoreResult(path, label, null, 8, 25, [clip], 0.25, Math.Log(0.25 / 0.75), new ScoreTimings(3, 3, 6)));
            }
        }

        public void Dispose()
        {
        }
    }
}

using System.Text.Json;
using OpenCvSharp;
using Sta.MLNet.Cli.Infrastructure;
using Sta.MLNet;

namespace Sta.MLNet.Cli.Tests;

/// <summary>
/// raw videos -> <c>preprocess</c> -> dataset; the dataset is shared by the tests of this class (it takes a few
/// seconds to make): train on it, evaluate on it, score with the trained model, inspect the model.
/// </summary>
public sealed class PreprocessedDataset
{
    public PreprocessedDataset()
    {
        Root = TestAssets.NewFolder("workflow");
        Raw = Path.Combine(Root, "raw");
        Directory.CreateDirectory(Path.Combine(Raw, "real"));
        Directory.CreateDirectory(Path.Combine(Raw, "fake"));
        TestAssets.Encode("r1.mp4", frames: 16, size: 320, folder: Path.Combine(Raw, "real"));
        TestAssets.Encode("f1.mp4", frames: 20, size: 320, folder: Path.Combine(Raw, "fake"), mirrored: true);
        Dataset = Path.Combine(Root, "dataset");
        Preprocess = CliRun.Invoke("preprocess", Raw, "-o", Dataset, "--dataset-name", "Demo", "--split", "train");
    }

    public string Root { get; }
    public string Raw { get; }
    public string Dataset { get; }
    public string Json => Path.Combine(Dataset, "Demo.json");
    public CliResult Preprocess { get; }

    private readonly object _trainLock = new();
    private string? _model;

    /// <summary>A tiny model trained once (with Video-level Blending, so landmarks are read).</summary>
    public string Model
    {
        get
        {
            lock (_trainLock)
            {
                if (_model is not null) return _model;
                var path = Path.Combine(Root, "model.zip");
                var result = CliRun.Invoke("train", "-d", Json, "--preset", "tiny", "--allow-random-backbone", "--epochs", "1", "--batch-size", "2", "--lr", "1e-3",
                    "--vb", "real-fake", "--no-augment", "--seed", "3", "--validation", Json, "--validation-split", "train", "-o", path);
                Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
                Assert.Contains("saved", result.Out);
                Assert.Contains("best epoch 1 (validation clip AUC", result.Out);
                Assert.Contains("training on 4 clip(s), validating on 4", result.Error);
                return _model = path;
            }
        }
    }
}

public sealed class WorkflowTests(PreprocessedDataset data) : IClassFixture<PreprocessedDataset>
{
    [Fact]
    public void Preprocess_writes_deepfakebench_frames_landmarks_and_json()
    {
        Assert.True(data.Preprocess.ExitCode == ExitCodes.Success, data.Preprocess.ToString());
        using var document = JsonDocument.Parse(File.ReadAllBytes(data.Json));
        var labels = document.RootElement.GetProperty("Demo");
        var real = labels.GetProperty("Demo_real").GetProperty("train").GetProperty("r1");
        Assert.Equal("Demo_real", real.GetProperty("label").GetString());
        var fakeFrames = labels.GetProperty("Demo_fake").GetProperty("train").GetProperty("f1").GetProperty("frames").EnumerateArray().Select(f => f.GetString()!).ToList();
        // 20 frames, 32 requested: every frame is kept, named after its index in the video.
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"frames/f1/{i:000}.png"), fakeFrames);

        using var crop = Cv2.ImRead(Path.Combine(data.Dataset, "frames", "r1", "005.png"), ImreadModes.Unchanged);
        Assert.Equal((256, 256, 3), (crop.Width, crop.Height, crop.Channels()));
        var landmarks = NpyFile.Read(Path.Combine(data.Dataset, "landmarks", "r1", "005.npy"));
        Assert.Equal(NpyElementType.Int64, landmarks.ElementType);
        Assert.Equal([68, 2], landmarks.Shape);
        Assert.All(landmarks.Values, v => Assert.Equal(Math.Round(v), v));
        // The alignment puts the nose tip (point 30) near the template's nose point (128.0, 155.7) in 256 px crops.
        Assert.InRange(landmarks[30, 0], 118, 138);
        Assert.InRange(landmarks[30, 1], 145, 166);

        // The library reads the JSON back with the CLI's label names.
        var dataset = DeepfakeBenchDataset.Load(data.Json, new DeepfakeBenchOptions
        {
            Split = DatasetSplit.Train,
            LabelMapping = new Dictionary<string, int> { ["Demo_real"] = 0, ["Demo_fake"] = 1 },
        });
        Assert.Equal(2, dataset.Videos.Count);
        Assert.All(dataset.Videos, v => Assert.All(v.LandmarkPaths!, p => Assert.True(File.Exists(p), p)));
    }

    [Fact]
    public void Train_saves_a_model_that_inspect_describes_and_score_uses()
    {
        var inspect = CliRun.Invoke("inspect", data.Model);
        Assert.True(inspect.ExitCode == ExitCodes.Success, inspect.ToString());
        Assert.Contains("StaDetectionTransformer", inspect.Out);
        Assert.Contains("preset:  tiny", inspect.Out);

        var score = CliRun.Invoke("score", data.Raw, "--model", data.Model, "--json", "-");
        Assert.True(score.ExitCode == ExitCodes.Success, score.ToString());
        using var document = JsonDocument.Parse(score.Out);
        var videos = document.RootElement.GetProperty("videos").EnumerateArray().ToList();
        Assert.Equal(2, videos.Count);
        Assert.Equal(["fake", "real"], videos.Select(v => v.GetProperty("label").GetString()).Order());
        Assert.All(videos, v => Assert.Equal("ok", v.GetProperty("status").GetString()));
    }

    /// <summary><c>sta export</c> of a trained ML.NET model: <c>score --onnx</c> gives the model's verdicts and scores on the raw videos.</summary>
    [Fact]
    public void Export_of_a_trained_model_scores_the_videos_as_the_model_does()
    {
        var onnx = Path.Combine(data.Root, "model.onnx");
        var export = CliRun.Invoke("export", data.Model, "--onnx", onnx);
        Assert.True(export.ExitCode == ExitCodes.Success, export.ToString());
        Assert.Contains($"exported model {data.Model}", export.Out);

        var torch = CliRun.Invoke("score", data.Raw, "--model", data.Model, "--json", "-");
        var ort = CliRun.Invoke("score", data.Raw, "--onnx", onnx, "--threads", "1", "--json", "-");
        Assert.True(ort.ExitCode == ExitCodes.Success, ort.ToString());
        using var a = JsonDocument.Parse(torch.Out);
        using var b = JsonDocument.Parse(ort.Out);
        static List<(string?, string?, double)> Videos(JsonDocument d) => d.RootElement.GetProperty("videos").EnumerateArray()
            .Select(v => (v.GetProperty("path").GetString(), v.GetProperty("prediction").GetString(), v.GetProperty("probability").GetDouble())).ToList();
        var expected = Videos(a);
        var actual = Videos(b);
        Assert.Equal(2, actual.Count);
        Assert.Equal(expected.Select(v => (v.Item1, v.Item2)), actual.Select(v => (v.Item1, v.Item2)));
        Assert.Equal(expected.Select(v => v.Item3), actual.Select(v => v.Item3), (x, y) => Math.Abs(x - y) < 1e-4);
    }

    [Fact]
    public void Evaluate_on_the_dataset_gives_clip_and_video_metrics_json_and_a_roc_png()
    {
        var json = Path.Combine(data.Root, "metrics.json");
        var roc = Path.Combine(data.Root, "roc.png");
        var result = CliRun.Invoke("evaluate", "--model", data.Model, "-d", data.Json, "--split", "train", "--json", json, "--roc", roc);
        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        Assert.Contains("level", result.Out);
        using var document = JsonDocument.Parse(File.ReadAllBytes(json));
        var root = document.RootElement;
        Assert.Equal(new SortedSet<string>(CliDoc.Block("evaluate-json-fields"), StringComparer.Ordinal), JsonPaths.Of(root));
        // r1: 16 frames -> 2 clips; f1: 20 frames -> 2 clips.
        Assert.Equal(4, root.GetProperty("clip").GetProperty("count").GetInt32());
        Assert.Equal(2, root.GetProperty("clip").GetProperty("fake").GetInt32());
        Assert.Equal(2, root.GetProperty("video").GetProperty("count").GetInt32());
        Assert.InRange(root.GetProperty("clip").GetProperty("auc").GetDouble(), 0, 1);
        using var image = Cv2.ImRead(roc, ImreadModes.Color);
        Assert.Equal((640, 640), (image.Width, image.Height));
    }

    [Fact]
    public void Evaluate_of_the_score_csv_matches_evaluate_on_the_videos()
    {
        var csv = Path.Combine(data.Root, "clips.csv");
        var score = CliRun.Invoke("score", data.Raw, "--model", data.Model, "--csv", csv);
        Assert.True(score.ExitCode == ExitCodes.Success, score.ToString());
        var fromCsv = CliRun.Invoke("evaluate", "--scores", csv, "--json", "-");
        var fromVideos = CliRun.Invoke("evaluate", "--model", data.Model, "--videos", data.Raw, "--json", "-");
        Assert.True(fromCsv.ExitCode == ExitCodes.Success, fromCsv.ToString());
        Assert.True(fromVideos.ExitCode == ExitCodes.Success, fromVideos.ToString());
        using var a = JsonDocument.Parse(fromCsv.Out);
        using var b = JsonDocument.Parse(fromVideos.Out);
        foreach (var level in new[] { "clip", "video" })
            foreach (var metric in new[] { "count", "fake", "acc" })
                Assert.Equal(a.RootElement.GetProperty(level).GetProperty(metric).GetDouble(), b.RootElement.GetProperty(level).GetProperty(metric).GetDouble());
    }

    [Fact]
    public void Preprocess_reports_a_video_without_a_face_and_exits_1_when_nothing_was_written()
    {
        var folder = TestAssets.NewFolder("noface-pre");
        var video = Path.Combine(folder, "grey.mp4");
        TestAssets.EncodeSource(video, "-f lavfi -i color=c=gray:s=160x160:r=25", frames: 8);
        var result = CliRun.Invoke("preprocess", video, "-o", Path.Combine(folder, "out"), "--label", "real");
        Assert.True(result.ExitCode == ExitCodes.Failure, result.ToString());
        Assert.Contains("no face", result.Error);
        Assert.Contains("0 video(s) written", result.Out);
    }

    [Fact]
    public void Preprocess_stopped_before_the_first_video_leaves_a_valid_empty_json_and_exits_130()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();
        var output = Path.Combine(TestAssets.NewFolder("pre-cancel"), "out");
        var result = CliRun.Invoke(cancellation.Token, "preprocess", data.Raw, "-o", output, "--dataset-name", "Stopped");
        Assert.True(result.ExitCode == ExitCodes.Cancelled, result.ToString());
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "Stopped.json")));
        Assert.Empty(document.RootElement.GetProperty("Stopped").EnumerateObject());
    }

    [Fact]
    public void Train_reads_a_labelled_video_folder_directly()
    {
        var output = Path.Combine(data.Root, "from-videos.zip");
        var result = CliRun.Invoke("train", "--videos", data.Raw, "--preset", "tiny", "--allow-random-backbone", "--epochs", "1", "--batch-size", "2", "--vb", "real-fake",
            "--no-augment", "-o", output);
        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        // r1: 16 frames -> 2 clips, f1: 20 frames -> 2 clips; batch 2 -> 2 steps in the epoch.
        Assert.Contains("training on 4 clip(s)", result.Error);
        Assert.Contains("1 epoch(s), 2 step(s)", result.Out);
        Assert.True(File.Exists(output));
        var both = CliRun.Invoke("train", "--videos", data.Raw, "-d", data.Json, "--allow-random-backbone", "-o", output);
        Assert.True(both.ExitCode == ExitCodes.Usage, both.ToString());
    }

    [Fact]
    public void Adapter_training_without_weights_is_a_usage_error_unless_asked_for()
    {
        var output = Path.Combine(data.Root, "random-backbone.zip");
        var result = CliRun.Invoke("train", "-d", data.Json, "--preset", "tiny", "--epochs", "1", "--vb", "none", "-o", output);
        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains("--clip-weights", result.Error);
        Assert.Contains("--allow-random-backbone", result.Error);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Ctrl_c_during_training_checkpoints_and_the_same_command_resumes()
    {
        var folder = TestAssets.NewFolder("resume");
        var output = Path.Combine(folder, "model.zip");
        string[] args = ["train", "-d", data.Json, "--preset", "tiny", "--allow-random-backbone", "--epochs", "2", "--batch-size", "2", "--vb", "none", "--no-augment",
            "--checkpoint-dir", Path.Combine(folder, "checkpoints"), "-o", output];
        using var cancellation = new CancellationTokenSource();
        using var stdout = new StringWriter();
        // Cancels when the first training step is reported, as a Ctrl+C in the middle of the first epoch would.
        using var stderr = new CancelOnText("[Training]", cancellation);
        var code = Program.Run(args, stdout, stderr, cancellation.Token);
        Assert.True(code == ExitCodes.Cancelled, $"exit {code}\n{stdout}\n{stderr}");
        Assert.False(File.Exists(output));
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(folder, "checkpoints"), "*", SearchOption.AllDirectories));

        var resumed = CliRun.Invoke(args);
        Assert.True(resumed.ExitCode == ExitCodes.Success, resumed.ToString());
        Assert.Contains("resumed from step 1", resumed.Out);
        Assert.Contains("2 epoch(s), 4 step(s)", resumed.Out);
        Assert.True(File.Exists(output));
    }

    /// <summary>A text sink that cancels a token the first time a line containing <paramref name="trigger"/> is written.</summary>
    private sealed class CancelOnText(string trigger, CancellationTokenSource cancellation) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value?.Contains(trigger, StringComparison.Ordinal) == true) cancellation.Cancel();
        }
    }

    [Fact]
    public void Train_stops_on_cancellation_with_exit_130_and_saves_no_model()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();
        var output = Path.Combine(data.Root, "cancelled.zip");
        var result = CliRun.Invoke(cancellation.Token, "train", "-d", data.Json, "--preset", "tiny", "--allow-random-backbone", "--epochs", "1", "--vb", "none",
            "-o", output);
        Assert.True(result.ExitCode == ExitCodes.Cancelled, result.ToString());
        Assert.False(File.Exists(output));
    }
}

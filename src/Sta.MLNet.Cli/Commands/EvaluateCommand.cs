using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.ML;
using Sta.MLNet.Cli.Evaluation;
using Sta.MLNet.Cli.Faces;
using Sta.MLNet.Cli.Infrastructure;
using Sta.MLNet.Cli.Scoring;
using Sta.MLNet.Cli.Training;
using Sta.MLNet;
using VideoScoreResult = Sta.MLNet.VideoScoreResult;
using Sta.MLNet.Data;

namespace Sta.MLNet.Cli.Commands;

/// <summary>
/// <c>sta evaluate</c>: clip- and video-level AUC, EER, AP and ACC (DeepfakeBench/sklearn definitions, docs/design.md, "Metrics") of a
/// model on a dataset, or of a scores CSV; optionally a ROC curve PNG.
/// </summary>
internal static class EvaluateCommand
{
    /// <summary>Identifies the JSON layout.</summary>
    public const string JsonSchema = "sta.evaluate/1";

    public static Command Create(CliContext context)
    {
        var scores = new Option<string?>("--scores") { Description = "A clip scores CSV (e.g. 'sta score --csv' of labelled real/ and fake/ folders)." };
        var dataset = new Option<string?>("--dataset", "-d") { Description = "DeepfakeBench dataset JSON to score with the model." };
        var videos = new Option<string?>("--videos") { Description = "Folder with real/ and fake/ sub-folders of videos to score with the model." };
        var split = new Option<string>("--split") { Description = "Split of the dataset JSON.", DefaultValueFactory = _ => "test" }.AcceptOnlyFromAmong("train", "val", "test");
        var compression = new Option<string>("--compression") { Description = "Compression level of FaceForensics++-family JSONs.", DefaultValueFactory = _ => "c23" };
        var frameRoot = new Option<string?>("--frame-root") { Description = "Folder relative frame paths are resolved against (default: the JSON's folder)." };
        var checkpoint = CommonOptions.Checkpoint();
        var model = CommonOptions.Model();
        var preset = CommonOptions.Preset();
        var gpu = CommonOptions.Gpu();
        var workers = CommonOptions.Workers();
        var roc = new Option<string?>("--roc") { Description = "Draw the clip and video ROC curves into this PNG." };
        var json = new Option<string?>("--json") { Description = "Write the metrics as JSON to FILE ('-' = standard output instead of the table)." };
        var threshold = new Option<double>("--threshold") { Description = "ACC counts P(fake) above this as fake.", DefaultValueFactory = _ => 0.5 };
        var detector = CommonOptions.FaceDetector();
        var landmarks = CommonOptions.LandmarksModel();
        var sampling = CommonOptions.Sampling();
        var clips = CommonOptions.Clips();
        var command = new Command("evaluate", "Clip- and video-level AUC/EER/AP/ACC of a model on a dataset, or of a scores CSV; ROC curve PNG.")
        {
            scores, dataset, videos, split, compression, frameRoot, checkpoint, model, preset, gpu, workers, roc, json, threshold, detector, landmarks, sampling, clips,
        };
        CommandRunner.SetHandler(command, context, parse =>
        {
            if (parse.GetValue(threshold) is < 0 or > 1) throw new UsageException("--threshold must be within [0, 1].");
            var sources = new[] { parse.GetValue(scores), parse.GetValue(dataset), parse.GetValue(videos) }.Count(s => s is not null);
            if (sources != 1) throw new UsageException("Give exactly one of --scores FILE.csv, --dataset FILE.json and --videos FOLDER.");
            List<LabeledScore> clipScores;
            string source;
            if (parse.GetValue(scores) is { } csvPath)
            {
                CommonOptions.RequireFile(csvPath, "Scores CSV");
                var (read, skipped) = ScoresCsvReader.Read(csvPath);
                if (skipped > 0) context.Warn($"{skipped} row(s) of {csvPath} skipped (not ok, unlabelled or without a probability).");
                clipScores = read;
                source = $"scores {csvPath}";
            }
            else
            {
                if (parse.GetValue(dataset) is { } jsonPath)
                {
                    var mlContext = DetectorLoader.Context(parse.GetValue(gpu));
                    var (stage, description, _) = DetectorLoader.Load(mlContext, parse.GetValue(checkpoint), parse.GetValue(model), parse.GetValue(preset)!);
                    try
                    {
                        clipScores = ScoreDataset(context, mlContext, stage, jsonPath, parse.GetValue(split)!, parse.GetValue(compression)!, parse.GetValue(frameRoot),
                            CommonOptions.ResolveWorkers(parse.GetValue(workers)));
                    }
                    finally
                    {
                        stage.ReleaseNetwork();
                    }
                    source = $"{description} on {jsonPath} ({parse.GetValue(split)})";
                }
                else
                {
                    var folder = parse.GetValue(videos)!;
                    var files = CommonOptions.ExpandVideos([folder]);
                    var samplingOptions = CommonOptions.ResolveSampling(parse.GetValue(sampling)!, parse.GetValue(clips));
                    var faces = CommonOptions.ResolveFaces(parse, detector, landmarks);
                    FaceCropper.Create(faces).Dispose(); // missing face models fail here, before any video
                    using var scorer = ScoreCommand.CreateScorer(parse.GetValue(gpu), parse.GetValue(checkpoint), parse.GetValue(model),
                        parse.GetValue(preset)!, samplingOptions, faces, CommonOptions.ResolveWorkers(parse.GetValue(workers)));
                    clipScores = ScoreVideos(context, scorer, files);
                    source = $"{scorer.ModelDescription} on {folder}";
                }
            }
            if (clipScores.Count == 0) throw new UsageException("Nothing to evaluate: no labelled, scored clip.");
            return Report(context, source, clipScores, parse.GetValue(threshold), parse.GetValue(roc), parse.GetValue(json));
        });
        return command;
    }

    private static List<LabeledScore> ScoreDataset(CliContext context, MLContext mlContext, StaDetectionTransformer stage, string jsonPath, string split,
        string compression, string? frameRoot, int workers)
    {
        var clips = DatasetLoader.DeepfakeBench(mlContext, jsonPath, split, compression, frameRoot, stage.Detector.Options, requireLandmarks: false,
            issue => context.Warn($"skipped {issue}"), context.CancellationToken, workers);
        context.Error.WriteLine($"scoring {clips.Clips.Count} clip(s)");
        return StaCatalog.ReadClipScores(stage.Transform(clips)).ToList();
    }

    private static List<LabeledScore> ScoreVideos(CliContext context, IVideoScorer scorer, IReadOnlyList<string> files)
    {
        var results = new List<VideoScoreResult>();
        var labelled = new List<LabelledVideo>();
        using var progress = context.Progress("scoring videos", files.Count);
        foreach (var file in files)
        {
            var label = FolderLabels.Of(file);
            if (label is null) progress.Message($"warning: {file} is under neither a 'real' nor a 'fake' folder; skipped.");
            else labelled.Add(new LabelledVideo(file, label));
        }
        context.CancellationToken.ThrowIfCancellationRequested();
        scorer.ScoreAll(labelled, result =>
        {
            results.Add(result);
            if (!result.Succeeded) progress.Message($"warning: {result.Path}: {result.Error}");
            progress.Report(results.Count, Path.GetFileName(result.Path));
        }, context.CancellationToken);
        return ScoresCsvReader.FromResults(results);
    }

    private static int Report(CliContext context, string source, List<LabeledScore> clips, double threshold, string? rocPath, string? jsonPath)
    {
        var clipLabels = clips.Select(c => c.Label).ToList();
        var clipProbabilities = clips.Select(c => c.Probability).ToList();
        var clipMetrics = DetectionMetrics.Compute(clipProbabilities, clipLabels, threshold);
        var videoScores = VideoAggregation.Aggregate(clips);
        var videoLabels = videoScores.Select(v => v.Label).ToList();
        var videoProbabilities = videoScores.Select(v => v.Probability).ToList();
        var videoMetrics = DetectionMetrics.Compute(videoProbabilities, videoLabels, threshold);
        if (double.IsNaN(clipMetrics.Auc))
            context.Warn("only one class is present: AUC, EER and AP are undefined (NaN).");

        if (rocPath is not null)
        {
            RocPlot.Write(rocPath, $"ROC: {clips.Count} clips, {videoScores.Count} videos",
            [
                new RocPlot.Series("clips", RocCurve.Compute(clipProbabilities, clipLabels), clipMetrics.Auc, RocPlot.ClipColor),
                new RocPlot.Series("videos", RocCurve.Compute(videoProbabilities, videoLabels), videoMetrics.Auc, RocPlot.VideoColor),
            ]);
        }

        if (jsonPath is not null)
        {
            var bytes = Json(source, threshold, clipMetrics, videoMetrics, rocPath);
            if (jsonPath == "-") context.Out.WriteLine(Encoding.UTF8.GetString(bytes));
            else File.WriteAllBytes(jsonPath, bytes);
        }
        if (jsonPath != "-")
        {
            context.Out.WriteLine($"source: {source}");
            string F(double v) => double.IsFinite(v) ? v.ToString("F4", CultureInfo.InvariantCulture) : "n/a";
            Table.Write(context.Out,
            [
                ["level", "count", "fake", "AUC", "EER", "AP", "ACC"],
                ["clip", clipMetrics.Count.ToString(CultureInfo.InvariantCulture), clipMetrics.PositiveCount.ToString(CultureInfo.InvariantCulture),
                    F(clipMetrics.Auc), F(clipMetrics.Eer), F(clipMetrics.AveragePrecision), F(clipMetrics.Accuracy)],
                ["video", videoMetrics.Count.ToString(CultureInfo.InvariantCulture), videoMetrics.PositiveCount.ToString(CultureInfo.InvariantCulture),
                    F(videoMetrics.Auc), F(videoMetrics.Eer), F(videoMetrics.AveragePrecision), F(videoMetrics.Accuracy)],
            ]);
            if (rocPath is not null) context.Out.WriteLine($"ROC curve: {rocPath}");
        }
        return ExitCodes.Success;
    }

    private static byte[] Json(string source, double threshold, DetectionMetrics clip, DetectionMetrics video, string? rocPath)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("schema", JsonSchema);
            w.WriteString("source", source);
            w.WriteNumber("threshold", threshold);
            WriteMetrics(w, "clip", clip);
            WriteMetrics(w, "video", video);
            ScoreReport.WriteStringOrNull(w, "roc_png", rocPath);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteMetrics(Utf8JsonWriter w, string name, DetectionMetrics m)
    {
        w.WriteStartObject(name);
        w.WriteNumber("count", m.Count);
        w.WriteNumber("fake", m.PositiveCount);
        ScoreReport.WriteNumberOrNull(w, "auc", m.Auc);
        ScoreReport.WriteNumberOrNull(w, "eer", m.Eer);
        ScoreReport.WriteNumberOrNull(w, "ap", m.AveragePrecision);
        ScoreReport.WriteNumberOrNull(w, "acc", m.Accuracy);
        w.WriteEndObject();
    }
}

using System.CommandLine;
using System.Globalization;
using Sta.MLNet.Cli.Faces;
using Sta.MLNet.Cli.Infrastructure;
using Sta.MLNet.Cli.Scoring;
using Sta.MLNet;

namespace Sta.MLNet.Cli.Commands;

/// <summary><c>sta score &lt;video|folder&gt;...</c>: per-video and per-clip P(fake).</summary>
internal static class ScoreCommand
{
    public static Command Create(CliContext context)
    {
        var inputs = new Argument<string[]>("inputs")
        {
            Description = "Video files and folders (searched recursively for video files).",
            Arity = ArgumentArity.OneOrMore,
        };
        var checkpoint = CommonOptions.Checkpoint();
        var model = CommonOptions.Model();
        var preset = CommonOptions.Preset();
        var gpu = CommonOptions.Gpu();
        var bf16 = CommonOptions.Bf16();
        var workers = CommonOptions.Workers();
        var json = new Option<string?>("--json") { Description = "Write the results as JSON to FILE ('-' = standard output instead of the table)." };
        var csv = new Option<string?>("--csv") { Description = "Write one CSV row per clip (and per failed video) to FILE." };
        var threshold = new Option<double>("--threshold") { Description = "P(fake) above which a video is called fake.", DefaultValueFactory = _ => 0.5 };
        var sampling = CommonOptions.Sampling();
        var clips = CommonOptions.Clips();
        var detector = CommonOptions.FaceDetector();
        var landmarks = CommonOptions.LandmarksModel();
        var alignment = CommonOptions.AlignmentSize();

        var command = new Command("score", "Score videos: P(fake) per clip and per video, faces found, timings.")
        {
            inputs, checkpoint, model, preset, gpu, bf16, workers, json, csv, threshold, sampling, clips, detector, landmarks, alignment,
        };
        CommandRunner.SetHandler(command, context, parse =>
        {
            if (parse.GetValue(threshold) is < 0 or > 1) throw new UsageException("--threshold must be within [0, 1].");
            var videos = CommonOptions.ExpandVideos(parse.GetValue(inputs)!);
            var samplingOptions = CommonOptions.ResolveSampling(parse.GetValue(sampling)!, parse.GetValue(clips));
            var faces = CommonOptions.ResolveFaces(parse, detector, landmarks, alignment);
            var mlContext = DetectorLoader.Context(parse.GetValue(gpu));
            FaceCropper.Create(faces).Dispose(); // missing face models fail here, before any video, with the package to install
            using var scorer = CreateScorer(parse.GetValue(gpu), parse.GetValue(checkpoint), parse.GetValue(model), parse.GetValue(preset)!, samplingOptions, faces,
                CommonOptions.ResolveWorkers(parse.GetValue(workers)), parse.GetValue(bf16));
            if (!scorer.RunsInBf16 && parse.GetValue(gpu) is null && Sta.MLNet.CpuBf16Support.IsNative)
                context.Error.WriteLine("note: this CPU computes bf16 natively; --bf16 scores faster (about 3x for the official network; scores differ by ~1e-3).");
            return Run(context, scorer, videos, parse.GetValue(json), parse.GetValue(csv), parse.GetValue(threshold));
        });
        return command;
    }

    /// <summary>The library's video scorer for a checkpoint or model, with the CLI's sampling and face models (a model's
    /// saved front end takes precedence, so clips are made as the model was set up to see them). <paramref name="bf16"/>
    /// switches bf16 on for either device; false keeps what a saved model says (float32 for checkpoints).</summary>
    internal static IVideoScorer CreateScorer(int? gpu, string? checkpoint, string? model, string preset, ClipSamplingOptions sampling, FaceSettings faces,
        int workers, bool bf16 = false)
    {
        var loaded = ScoringModel.Load(gpu, checkpoint, model, preset, sampling, faces, workers, bf16);
        return new LibraryVideoScorer(loaded.Stage, loaded.Options, loaded.Description);
    }

    /// <summary>Scores every video, reporting as it goes; exit code 1 only when every video failed.</summary>
    internal static int Run(CliContext context, IVideoScorer scorer, IReadOnlyList<string> videos, string? jsonPath, string? csvPath, double threshold)
    {
        using var report = new ScoreReport(scorer.ModelDescription, threshold, jsonPath, csvPath);
        using (var progress = context.Progress("scoring", videos.Count))
        {
            try
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                scorer.ScoreAll(videos.Select(v => new LabelledVideo(v, CommonOptions.LabelFromFolders(v))).ToList(), result =>
                {
                    report.Add(result);
                    progress.Report(report.Results.Count, $"{Path.GetFileName(result.Path)}: " +
                        (result.Succeeded ? $"P(fake) {result.Probability!.Value.ToString("F4", CultureInfo.InvariantCulture)}" : $"error: {result.Error}"));
                }, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                report.Cancelled = true;
            }
        }
        report.Complete(context.Out);
        if (jsonPath != "-") report.WriteTable(context.Out);
        if (report.Cancelled)
        {
            context.Error.WriteLine($"cancelled after {report.Results.Count} of {videos.Count} video(s); their results have been written.");
            return ExitCodes.Cancelled;
        }
        foreach (var failed in report.Results.Where(r => !r.Succeeded))
            context.Error.WriteLine($"warning: {failed.Path}: {failed.Error}");
        return report.Results.Any(r => r.Succeeded) ? ExitCodes.Success : ExitCodes.Failure;
    }
}

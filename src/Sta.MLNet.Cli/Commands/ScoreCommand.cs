using System.CommandLine;
using System.Globalization;
using Sta.MLNet.Cli.Faces;
using Sta.MLNet.Cli.Infrastructure;
using Sta.MLNet.Cli.Scoring;
using Sta.MLNet.Onnx;
using Sta.MLNet;
using Sta.MLNet.Data;

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
        var onnx = new Option<string?>("--onnx")
        {
            Description = "Run an exported ONNX model (sta export) on ONNX Runtime instead of a checkpoint or model: no libtorch, same front end and output.",
        };
        var threads = new Option<int>("--threads")
        {
            Description = "With --onnx: ONNX Runtime threads per network call (default 0: one per physical core).",
            DefaultValueFactory = _ => 0,
        };
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
            inputs, checkpoint, model, onnx, threads, preset, gpu, bf16, workers, json, csv, threshold, sampling, clips, detector, landmarks, alignment,
        };
        CommandRunner.SetHandler(command, context, parse =>
        {
            if (parse.GetValue(threshold) is < 0 or > 1) throw new UsageException("--threshold must be within [0, 1].");
            var videos = CommonOptions.ExpandVideos(parse.GetValue(inputs)!);
            var samplingOptions = CommonOptions.ResolveSampling(parse.GetValue(sampling)!, parse.GetValue(clips));
            var faces = CommonOptions.ResolveFaces(parse, detector, landmarks, alignment);
            FaceCropper.Create(faces).Dispose(); // missing face models fail here, before any video, with the package to install
            if (parse.GetValue(onnx) is { } onnxPath)
            {
                if (parse.GetValue(checkpoint) is not null || parse.GetValue(model) is not null)
                    throw new UsageException("Give exactly one of --checkpoint FILE (with --preset), --model FILE.zip and --onnx FILE.onnx.");
                if (parse.GetValue(gpu) is not null || parse.GetValue(bf16))
                    throw new UsageException("--gpu and --bf16 apply to the TorchSharp network; an ONNX model runs on ONNX Runtime's CPU provider.");
                if (parse.GetValue(threads) < 0) throw new UsageException("--threads must be 0 (ONNX Runtime's default) or positive.");
                using var onnxScorer = CreateOnnxScorer(onnxPath, parse.GetValue(threads), samplingOptions, faces, CommonOptions.ResolveWorkers(parse.GetValue(workers)));
                return Run(context, onnxScorer, videos, parse.GetValue(json), parse.GetValue(csv), parse.GetValue(threshold));
            }
            if (parse.GetValue(threads) != 0) throw new UsageException("--threads applies to --onnx (ONNX Runtime); libtorch takes OMP_NUM_THREADS.");
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

    /// <summary>
    /// The library's video scorer on an exported ONNX model (ONNX Runtime, no libtorch), with the CLI's sampling and
    /// face model choices at the model's clip shape.
    /// </summary>
    internal static IVideoScorer CreateOnnxScorer(string path, int threads, ClipSamplingOptions sampling, FaceSettings faces, int workers)
    {
        CommonOptions.RequireFile(path, "ONNX model");
        var model = StaOnnxModel.Load(path, threads);
        try
        {
            var options = LibraryVideoScorer.Options(sampling, faces, model.FramesPerClip, model.InputResolution, workers);
            var weights = model.IsInt8 ? "int8" : "float32";
            return new LibraryVideoScorer(model, options, $"onnx {path} ({weights}, ONNX Runtime)");
        }
        catch
        {
            model.Dispose();
            throw;
        }
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
                scorer.ScoreAll(videos.Select(v => new LabelledVideo(v, FolderLabels.Of(v))).ToList(), result =>
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

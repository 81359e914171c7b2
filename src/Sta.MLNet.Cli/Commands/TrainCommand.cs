using System.CommandLine;
using System.Globalization;
using Sta.MLNet.Cli.Faces;
using Sta.MLNet.Cli.Infrastructure;
using Sta.MLNet.Cli.Scoring;
using Sta.MLNet.Cli.Training;
using Sta.MLNet;

namespace Sta.MLNet.Cli.Commands;

/// <summary><c>sta train</c>: trains a StA detector on a DeepfakeBench dataset and saves it as an ML.NET model.</summary>
internal static class TrainCommand
{
    public static Command Create(CliContext context)
    {
        var dataset = new Option<string?>("--dataset", "-d") { Description = "DeepfakeBench dataset JSON (e.g. from 'sta preprocess')." };
        var videos = new Option<string?>("--videos") { Description = "Folder with real/ and fake/ sub-folders of videos (faces found on the fly in every epoch)." };
        var split = new Option<string>("--split") { Description = "Split to train on.", DefaultValueFactory = _ => "train" }.AcceptOnlyFromAmong("train", "val", "test");
        var validation = new Option<string?>("--validation") { Description = "Dataset JSON scored after each epoch (best epoch by clip AUC is kept)." };
        var validationSplit = new Option<string>("--validation-split") { Description = "Split of the validation JSON.", DefaultValueFactory = _ => "test" }
            .AcceptOnlyFromAmong("train", "val", "test");
        var compression = new Option<string>("--compression") { Description = "Compression level of FaceForensics++-family JSONs.", DefaultValueFactory = _ => "c23" };
        var frameRoot = new Option<string?>("--frame-root") { Description = "Folder relative frame paths are resolved against (default: the JSON's folder)." };
        var output = new Option<string>("--output", "-o") { Description = "The trained model (.zip, loadable with mlContext.Model.Load after StaMLNet.Register).", Required = true };
        var preset = CommonOptions.Preset();
        var clipWeights = new Option<string?>("--clip-weights") { Description = "CLIP visual weights to initialise the backbone (OpenAI or Hugging Face, .pth/.safetensors)." };
        var initial = new Option<string?>("--init-checkpoint") { Description = "A StA checkpoint to start from (fine-tuning)." };
        var tuning = new Option<string>("--tuning") { Description = "adapter (CLIP frozen, the paper) or full.", DefaultValueFactory = _ => "adapter" }.AcceptOnlyFromAmong("adapter", "full");
        var allowRandomBackbone = new Option<bool>("--allow-random-backbone")
        {
            Description = "Let adapter tuning start without --clip-weights or --init-checkpoint, on a random frozen backbone (tests, smoke runs).",
        };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the data.", DefaultValueFactory = _ => 30 };
        var batch = new Option<int>("--batch-size") { Description = "Dataset clips per optimizer step.", DefaultValueFactory = _ => 8 };
        var maxSteps = new Option<long?>("--max-steps") { Description = "Stop after this many optimizer steps (smoke runs)." };
        var lr = new Option<double>("--lr") { Description = "Learning rate.", DefaultValueFactory = _ => 2e-4 };
        var weightDecay = new Option<double>("--weight-decay") { Description = "Weight decay (L2 for adam-l2, decoupled for adamw).", DefaultValueFactory = _ => 5e-4 };
        var optimizer = new Option<string>("--optimizer") { Description = "adam-l2 (official) or adamw.", DefaultValueFactory = _ => "adam-l2" }.AcceptOnlyFromAmong("adam-l2", "adamw");
        var seed = new Option<int>("--seed") { Description = "Seeds data order, dropout, blending and augmentation.", DefaultValueFactory = _ => 1024 };
        var vb = new Option<string>("--vb") { Description = "Video-level Blending: none, real (mode a: real clips + VB twins) or real-fake (mode b: all clips + VB twins of the real ones).", DefaultValueFactory = _ => "real-fake" }
            .AcceptOnlyFromAmong("none", "real", "real-fake");
        var vbRatio = new Option<double>("--vb-ratio") { Description = "Probability that a real clip gets a VB twin in an epoch.", DefaultValueFactory = _ => 1.0 };
        var noAugment = new Option<bool>("--no-augment") { Description = "Turn off the clip-consistent training augmentation." };
        var checkpointDir = new Option<string?>("--checkpoint-dir") { Description = "Where training checkpoints go; a rerun with the same settings resumes from it." };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Also checkpoint every N optimizer steps (0: at epoch ends and on Ctrl+C).", DefaultValueFactory = _ => 0 };
        var noResume = new Option<bool>("--no-resume") { Description = "Start afresh even when --checkpoint-dir holds a matching checkpoint." };
        var gpu = CommonOptions.Gpu();
        var workers = CommonOptions.Workers();

        var detector = CommonOptions.FaceDetector();
        var landmarks = CommonOptions.LandmarksModel();
        var command = new Command("train", "Train a StA detector on a DeepfakeBench dataset (extracted frames + landmarks) or a labelled video folder.")
        {
            dataset, videos, split, validation, validationSplit, compression, frameRoot, output, preset, clipWeights, initial, tuning, allowRandomBackbone, epochs, batch,
            maxSteps, lr, weightDecay, optimizer, seed, vb, vbRatio, noAugment, checkpointDir, checkpointEvery, noResume, gpu, workers, detector, landmarks,
        };
        CommandRunner.SetHandler(command, context, parse =>
        {
            var network = CommonOptions.ResolvePreset(parse.GetValue(preset)!);
            var blending = parse.GetValue(vb) switch
            {
                "none" => VideoBlendingMode.None,
                "real" => VideoBlendingMode.RealAndBlended,
                _ => VideoBlendingMode.RealFakeAndBlended,
            };
            var withLandmarks = blending != VideoBlendingMode.None;
            var outputPath = parse.GetValue(output)!;
            if (parse.GetValue(clipWeights) is { } c) CommonOptions.RequireFile(c, "CLIP weights");
            if (parse.GetValue(initial) is { } i) CommonOptions.RequireFile(i, "Initial checkpoint");
            var fullFineTuning = parse.GetValue(tuning) == "full";
            if (!fullFineTuning && parse.GetValue(clipWeights) is null && parse.GetValue(initial) is null &&
                !parse.GetValue(allowRandomBackbone))
                throw new UsageException(
                    "--tuning adapter keeps the backbone frozen: give --clip-weights (CLIP ViT weights) or --init-checkpoint (a StA " +
                    "checkpoint), or --tuning full to train everything, or --allow-random-backbone for a test or smoke run.");

            var mlContext = DetectorLoader.Context(parse.GetValue(gpu));
            if ((parse.GetValue(dataset) is null) == (parse.GetValue(videos) is null))
                throw new UsageException("Give exactly one of --dataset FILE.json and --videos FOLDER.");
            void Warn(string issue) => context.Warn($"skipped {issue}");
            int decodeWorkers = CommonOptions.ResolveWorkers(parse.GetValue(workers));
            VideoClipSourceDataView train;
            if (parse.GetValue(dataset) is { } jsonPath)
            {
                train = DatasetLoader.DeepfakeBench(mlContext, jsonPath, parse.GetValue(split)!, parse.GetValue(compression)!, parse.GetValue(frameRoot),
                    network, requireLandmarks: withLandmarks, Warn, context.CancellationToken, decodeWorkers);
            }
            else
            {
                var faces = CommonOptions.ResolveFaces(parse, detector, landmarks);
                FaceCropper.Create(faces).Dispose(); // missing face models fail here, before training
                var frontEnd = LibraryVideoScorer.Options(ClipSamplingOptions.DeepfakeBench, faces, network.NumFrames, network.InputResolution, workers: 1).FrontEnd;
                train = DatasetLoader.VideoFolder(mlContext, parse.GetValue(videos)!, frontEnd, Warn, context.CancellationToken, decodeWorkers);
            }
            VideoClipSourceDataView? validationData = null;
            if (parse.GetValue(validation) is { } validationPath)
                validationData = DatasetLoader.DeepfakeBench(mlContext, validationPath, parse.GetValue(validationSplit)!, parse.GetValue(compression)!,
                    parse.GetValue(frameRoot), network, requireLandmarks: false, issue => context.Warn($"skipped validation {issue}"), context.CancellationToken,
                    decodeWorkers);
            if (train.Clips.Count == 0) throw new UsageException("The training data yields no clip (see the warnings above).");
            context.Error.WriteLine($"training on {train.Clips.Count} clip(s)" + (validationData is { } vd ? $", validating on {vd.Clips.Count}" : ""));

            var epochCount = parse.GetValue(epochs);
            using var progress = context.Progress("training", null);
            var options = new StaTrainer.Options
            {
                Network = network,
                ClipWeightsPath = parse.GetValue(clipWeights),
                InitialCheckpointPath = parse.GetValue(initial),
                FullFineTuning = fullFineTuning,
                AllowRandomBackbone = parse.GetValue(allowRandomBackbone),
                Epochs = epochCount,
                BatchSize = parse.GetValue(batch),
                MaxSteps = parse.GetValue(maxSteps),
                LearningRate = parse.GetValue(lr),
                WeightDecay = parse.GetValue(weightDecay),
                DecoupledWeightDecay = parse.GetValue(optimizer) == "adamw",
                Seed = parse.GetValue(seed),
                VideoBlending = blending,
                BlendingRatio = parse.GetValue(vbRatio),
                Augment = !parse.GetValue(noAugment),
                CheckpointDirectory = parse.GetValue(checkpointDir),
                CheckpointEverySteps = parse.GetValue(checkpointEvery),
                Resume = !parse.GetValue(noResume),
                LandmarksColumnName = withLandmarks ? "Landmarks" : null,
                ValidationData = validationData,
                Progress = new SynchronousProgress<StaTrainingProgress>(p => progress.Report((int)p.GlobalStep, p.ToString())),
                CancellationToken = context.CancellationToken,
                FaultProbe = FaultInjection.FromEnvironment(),
            };
            StaTrainer trainer;
            try
            {
                trainer = mlContext.StaTrainer(options);
            }
            catch (ArgumentException error)
            {
                throw new UsageException(error.Message);
            }
            var data = train;
            var model = trainer.Fit(data);
            try
            {
                var directory = Path.GetDirectoryName(Path.GetFullPath(outputPath));
                if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
                // Saved beside the target and renamed over it: a process killed while saving leaves the previous file
                // (or none), never half a model.
                var staging = outputPath + ".tmp";
                mlContext.Model.Save(model, data.Schema, staging);
                DurableFiles.Flush(staging);
                File.Move(staging, outputPath, overwrite: true);
            }
            finally
            {
                model.ReleaseNetwork();
            }
            progress.Dispose();
            var result = trainer.LastResult;
            var summary = $"saved {outputPath}: {result?.EpochsCompleted ?? 0} epoch(s), {result?.StepLosses.Count ?? 0} step(s)";
            if (result?.ResumedFromStep is { } resumed) summary += $", resumed from step {resumed}";
            if (result?.StepLosses.Count > 0) summary += $", last loss {result.StepLosses[^1].ToString("F4", CultureInfo.InvariantCulture)}";
            if (result?.BestEpoch is { } best && result.ValidationAucs.TryGetValue(best, out var auc))
                summary += $", best epoch {best + 1} (validation clip AUC {auc.ToString("F4", CultureInfo.InvariantCulture)})";
            context.Out.WriteLine(summary);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>IProgress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool, out of order).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

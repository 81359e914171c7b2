using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Sta.MLNet;
using Sta.MLNet.Tests.Pipelines;
using Xunit.Abstractions;

namespace Sta.MLNet.Tests.EndToEnd;

/// <summary>
/// End to end on real faces: photo clips -> face front end -> Video-level Blending fakes -> StaTrainer -> held-out
/// evaluation -> Save/Load -> PredictionEngine. The network is the tiny preset (32 px, random initialisation), so the
/// whole network is trained (<see cref="StaTuningMode.FullFineTuning"/>): adapter tuning assumes a pretrained CLIP
/// backbone, and a frozen random one does not learn the blending cue in this budget.
/// </summary>
public sealed class RealFaceLearnabilityTests(RealFaceClips clips, ITestOutputHelper output) : IClassFixture<RealFaceClips>
{
    /// <summary>
    /// Video-level Blending with its strength RAISED for this test: at 32 px the authors' constants (scaled by
    /// <see cref="VideoBlendOptions.ForFaceSize"/>) give 1-2 px feature bands moved by 0.5-2.5 px, too faint for the
    /// tiny network to pick up in seconds. Here the bands are 3 px thick with a 3 px fall-off and each feature is moved
    /// 4-8 px and turned 10-20 degrees per frame; the region weight stays at the authors' 0.25.
    /// </summary>
    internal static readonly VideoBlendOptions StrongBlend = VideoBlendOptions.ForFaceSize(32) with
    {
        EyesThickness = 3, EyesFall = 3, BrowsThickness = 3, BrowsFall = 3, MouthThickness = 3, MouthFall = 3, NoseThickness = 3,
        MaxShiftPixels = new UniformRange(4, 8), MaxAngleDegrees = new UniformRange(10, 20),
    };

    private static StaTrainer.Options TrainerOptions(VideoBlendOptions? blend, int epochs) => new()
    {
        Network = StaPresets.Tiny,
        TuningMode = StaTuningMode.FullFineTuning,
        Epochs = epochs,
        BatchSize = 8,
        LearningRate = 1e-3,
        // Mode (a): the real clips, each with a fresh VB twin every epoch in the same batch.
        VideoBlending = VideoBlendingMode.RealAndBlended,
        BlendOptions = blend,
        Augment = false,
        Seed = 5,
    };

    [Fact]
    public void StrongVideoBlendingIsLearntFromRealFacesAndTheSavedModelScoresIdentically()
    {
        var ml = clips.Context;
        var clock = Stopwatch.StartNew();
        var trainer = ml.StaTrainer(TrainerOptions(StrongBlend, epochs: 30));
        var model = trainer.Fit(clips.Train);
        var trainingTime = clock.Elapsed;

        // Held-out videos with their own VB fakes (another seed than any training twin).
        var heldOut = ml.Data.Cache(ml.AddVideoBlendedFakes(clips.HeldOut, new VideoBlendingDataOptions { BlendOptions = StrongBlend, Seed = 77 }));
        var scored = model.Transform(heldOut);
        var detection = ml.EvaluateDetection(scored);
        var metrics = ml.BinaryClassification.Evaluate(scored);
        output.WriteLine($"training {trainingTime.TotalSeconds:F1} s; held-out clip AUC {detection.Clip.Auc:F3} ({detection.Clip.Count} clips), " +
                         $"video AUC {detection.Video.Auc:F3} ({detection.Video.Count} videos), EER {detection.Clip.Eer:F3}");
        Assert.Equal(16, detection.Clip.Count);
        Assert.Equal(8, detection.Clip.PositiveCount);
        // The bar is set by what chance could do, not by what one seed gave: a scorer that knows nothing reaches a clip AUC
        // of 0.85 on 8 real + 8 fake clips with probability 0.0074 (exact Mann-Whitney distribution). Measured with seeds
        // 5-10: 0.922-1.000.
        Assert.True(detection.Clip.Auc >= 0.85, $"held-out clip AUC {detection.Clip.Auc:F3} < 0.85: training on real faces with strong VB did not learn the blending cue");
        Assert.Equal(detection.Clip.Auc, metrics.AreaUnderRocCurve, 6);

        // Save -> Load in a fresh context -> identical scores.
        var fresh = new MLContext(seed: 3);
        StaMLNet.Register(fresh);
        ITransformer reloaded;
        using (var stream = new MemoryStream())
        {
            ml.Model.Save(model, clips.Train.Schema, stream);
            stream.Position = 0;
            reloaded = fresh.Model.Load(stream, out _);
        }
        var expected = scored.GetColumn<float>("Score").ToArray();
        Assert.Equal(expected, reloaded.Transform(heldOut).GetColumn<float>("Score").ToArray());

        // PredictionEngine, one clip at a time, agrees with the batched transform up to BLAS rounding.
        EstimatorChecks.CheckPredictionEngine<TinyUnlabelledRow, TinyPrediction>(fresh, reloaded, heldOut, scored, tolerance: 1e-5f);
        // The picture a person looks at (set STA_TEST_PICTURES to a folder to keep it).
        var folder = Environment.GetEnvironmentVariable("STA_TEST_PICTURES") ?? Directory.CreateTempSubdirectory("sta-e2e-").FullName;
        var picture = Path.Combine(folder, "real-faces-heldout-scores.png");
        ClipScoreSheet.Write(picture, ClipScoreSheet.ReadScoredClips(scored));
        using (var image = OpenCvSharp.Cv2.ImRead(picture))
            Assert.False(image.Empty());
        if (Environment.GetEnvironmentVariable("STA_TEST_PICTURES") is null) Directory.Delete(folder, recursive: true);
        output.WriteLine($"total {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void WithTheDefaultBlendingConstantsTheTrainingLossFalls()
    {
        // The authors' VB constants as they are (new VideoBlendOptions(): 3 px bands, 7 px fall-off, 0.5-2.5 px shifts,
        // made for 224 px faces), on the tiny preset's 32 px faces. A control run with the same seed (same batches,
        // twins and dropout draws) and a learning rate of 1e-12 tells learning apart from the noise of the step
        // losses, which rise or fall by a few hundredths on their own: the control sees every batch the trained run sees,
        // so that noise is common to both and no margin beyond "lower" is needed.
        // Measured (seeds 5-10, mean loss of the last third of steps, trained vs control): 0.756/0.858, 0.679/0.724,
        // 0.722/0.829, 0.732/0.750, 0.714/0.832, 0.748/0.812.
        IReadOnlyList<double> Run(double learningRate)
        {
            var options = TrainerOptions(new VideoBlendOptions(), epochs: 15);
            options.LearningRate = learningRate;
            var trainer = clips.Context.StaTrainer(options);
            trainer.Fit(clips.Train);
            return trainer.LastResult!.StepLosses;
        }
        var trained = Run(1e-3);
        var control = Run(1e-12);
        Assert.All(trained, l => Assert.True(double.IsFinite(l), $"loss {l}"));
        var third = trained.Count / 3;
        double trainedFirst = trained.Take(third).Average(), trainedLast = trained.Skip(trained.Count - third).Average();
        double controlLast = control.Skip(control.Count - third).Average();
        output.WriteLine($"{trained.Count} steps; mean loss, first third {trainedFirst:F4}, last third {trainedLast:F4}; untrained control, last third {controlLast:F4}");
        Assert.True(trainedLast < trainedFirst, $"the training loss did not fall: first third {trainedFirst:F4}, last third {trainedLast:F4}");
        Assert.True(trainedLast < controlLast,
            $"the training loss is not below an untrained run's: last third {trainedLast:F4} vs control {controlLast:F4}");
    }

    [Fact]
    public void TrainingWithTheDefaultBlendingRunsOnRealFaces()
    {
        // Default VB constants for 32 px faces (BlendOptions = null: ForFaceSize(32)). At this size the default cue is
        // too faint for the tiny network to learn within the test budget (measured: neither the step losses nor a fixed
        // set's log-loss fall reliably compared with an untrained run), so this only checks that the default path runs:
        // every real clip gets a twin (2 steps of 8 real + 8 blended clips per epoch) and every loss is finite.
        var trainer = clips.Context.StaTrainer(TrainerOptions(blend: null, epochs: 1));
        var model = trainer.Fit(clips.Train);
        var losses = trainer.LastResult!.StepLosses;
        Assert.Equal(2, losses.Count);
        Assert.All(losses, l => Assert.True(double.IsFinite(l) && l > 0, $"loss {l}"));
        Assert.All(model.Transform(clips.HeldOut).GetColumn<float>("Probability"), p => Assert.InRange(p, 0f, 1f));
    }
}

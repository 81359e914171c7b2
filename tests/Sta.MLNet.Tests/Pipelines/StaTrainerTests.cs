using Microsoft.ML;
using Microsoft.ML.Data;
using Sta.MLNet;
using Sta.MLNet.Tests.Training;

namespace Sta.MLNet.Tests.Pipelines;

/// <summary>Rows of tiny-preset clips as ML.NET sees them.</summary>
public sealed class TinyClipRow
{
    [VectorType(8, 3, 32, 32)]
    public float[] Clip { get; set; } = [];

    public bool Label { get; set; }

    public string VideoId { get; set; } = "";
}

/// <summary>Only the columns PredictionEngine should fill.</summary>
public sealed class TinyPrediction
{
    public float Score { get; set; }
    public float Probability { get; set; }
    public bool PredictedLabel { get; set; }
}

public sealed class TinyUnlabelledRow
{
    [VectorType(8, 3, 32, 32)]
    public float[] Clip { get; set; } = [];
}

public sealed class StaTrainerTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("sta-trainer-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    internal static IDataView TinyData(MLContext ml, int count, int seed) =>
        ml.Data.LoadFromEnumerable(InMemoryTrainingData.Flicker(count, 8, 32, seed)
            .Select(e => new TinyClipRow { Clip = e.Clip, Label = e.Label, VideoId = e.VideoId! }).ToList());

    internal static StaTrainer.Options TinyOptions(int epochs = 1) => new()
    {
        Network = StaPresets.Tiny,
        Epochs = epochs,
        BatchSize = 4,
        LearningRate = 2e-3,
        VideoBlending = VideoBlendingMode.None,
        Augment = false,
        LandmarksColumnName = null,
        Seed = 5,
        // Adapters on a random frozen backbone: enough to learn the flicker cue, and the fastest tiny run.
        AllowRandomBackbone = true,
    };

    [Fact]
    public void TheTrainerPassesTheSharedEstimatorChecks()
    {
        var ml = new MLContext(seed: 1);
        var data = TinyData(ml, 8, seed: 1);
        var invalid = ml.Data.LoadFromEnumerable(new[] { new { Clip = new float[10], Label = true } });
        var result = EstimatorChecks.Check<StaDetectionTransformer, TinyUnlabelledRow, TinyPrediction>(ml, ml.StaTrainer(TinyOptions()), data, invalid,
            predictionEngineTolerance: 1e-5f); // batch of 1 vs batches of 8: BLAS rounding only

        var scored = ml.Data.CreateEnumerable<TinyPrediction>(result.Transformed, reuseRowObject: false).ToList();
        Assert.All(scored, p =>
        {
            Assert.Equal(1 / (1 + Math.Exp(-p.Score)), p.Probability, 5);
            Assert.Equal(p.Score > 0, p.PredictedLabel);
        });
    }

    [Fact]
    public void TrainingLearnsATemporalCueAndBinaryClassificationEvaluateWorks()
    {
        var ml = new MLContext(seed: 1);
        var train = TinyData(ml, 24, seed: 4);
        var test = TinyData(ml, 16, seed: 44);
        var options = TinyOptions(epochs: 12);
        var reports = new List<StaTrainingProgress>();
        options.Progress = new SynchronousProgress<StaTrainingProgress>(reports.Add);
        options.ValidationData = test;
        var logs = new List<string>();
        ml.Log += (_, e) => { if (e.Source.Contains(nameof(StaTrainer))) logs.Add(e.Message); };
        var trainer = ml.StaTrainer(options);
        var model = trainer.Fit(train);

        var metrics = ml.BinaryClassification.Evaluate(model.Transform(test));
        Assert.True(metrics.AreaUnderRocCurve >= 0.9, $"AUC {metrics.AreaUnderRocCurve}");
        var detection = ml.EvaluateDetection(model.Transform(test));
        Assert.Equal(metrics.AreaUnderRocCurve, detection.Clip.Auc, 6);
        Assert.Equal(8, detection.Video.Count);
        Assert.NotNull(trainer.LastResult?.BestEpoch);
        Assert.Contains(reports, r => r.Phase == StaTrainingPhase.Training);
        Assert.Contains(logs, l => l.Contains("epoch 12/12", StringComparison.OrdinalIgnoreCase) || l.Contains("Epoch 12/12"));
    }

    [Fact]
    public void BlendingWithoutALandmarksColumnIsRejectedBeforeTraining()
    {
        var ml = new MLContext(seed: 1);
        var options = TinyOptions();
        options.VideoBlending = VideoBlendingMode.RealFakeAndBlended;
        options.LandmarksColumnName = "Landmarks";
        var trainer = ml.StaTrainer(options);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(TinyData(ml, 4, 1)));
        Assert.Contains("Landmarks", error.Message);
    }

    [Fact]
    public void InvalidBlendOptionsAreRejectedWhenTheTrainerIsCreated()
    {
        var options = TinyOptions();
        options.VideoBlending = VideoBlendingMode.RealAndBlended;
        options.LandmarksColumnName = "Landmarks";
        options.BlendOptions = new Sta.MLNet.VideoBlendOptions { RegionWeight = 0.5f };
        var error = Assert.Throws<ArgumentException>(() => new MLContext(seed: 1).StaTrainer(options));
        Assert.Contains("RegionWeight", error.Message);
    }

    [Fact]
    public void AdapterTuningOnARandomBackboneIsRefusedUnlessTheOptionsSaySo()
    {
        var options = TinyOptions();
        options.AllowRandomBackbone = false;
        var error = Assert.Throws<ArgumentException>(() => new MLContext(seed: 1).StaTrainer(options));
        Assert.Contains("neither ClipWeightsPath nor InitialCheckpointPath", error.Message);
        Assert.Contains("AllowRandomBackbone = true", error.Message);
        Assert.Contains("FullFineTuning", error.Message);

        // The defaults (official preset, adapter tuning) without weights are refused the same way.
        Assert.Throws<ArgumentException>(() => new MLContext(seed: 1).StaTrainer());

        // Each way out is accepted when the trainer is created: weights, a checkpoint, full fine-tuning, the explicit flag.
        options.ClipWeightsPath = "clip.pth";
        Assert.NotNull(new MLContext(seed: 1).StaTrainer(options));
        options.ClipWeightsPath = null;
        options.InitialCheckpointPath = "sta.pth";
        Assert.NotNull(new MLContext(seed: 1).StaTrainer(options));
        options.InitialCheckpointPath = null;
        options.TuningMode = StaTuningMode.FullFineTuning;
        Assert.NotNull(new MLContext(seed: 1).StaTrainer(options));
        options.TuningMode = StaTuningMode.AdapterTuning;
        options.AllowRandomBackbone = true;
        Assert.NotNull(new MLContext(seed: 1).StaTrainer(options));
    }

    [Fact]
    public void CancellationThrowsAndKeepsAResumableCheckpoint()
    {
        var ml = new MLContext(seed: 1);
        using var cancellation = new CancellationTokenSource();
        var options = TinyOptions(epochs: 3);
        options.CheckpointDirectory = Path.Combine(_temp, "ckpt");
        options.CancellationToken = cancellation.Token;
        options.Progress = new SynchronousProgress<StaTrainingProgress>(p => { if (p.GlobalStep == 2) cancellation.Cancel(); });
        Assert.Throws<OperationCanceledException>(() => ml.StaTrainer(options).Fit(TinyData(ml, 8, 2)));
        Assert.True(File.Exists(Path.Combine(options.CheckpointDirectory, "last", "state.json")));

        var resumed = TinyOptions(epochs: 3);
        resumed.CheckpointDirectory = options.CheckpointDirectory;
        var trainer = ml.StaTrainer(resumed);
        var model = trainer.Fit(TinyData(ml, 8, 2));
        Assert.Equal(2L, trainer.LastResult!.ResumedFromStep);
        Assert.Equal(6, trainer.LastResult.StepLosses.Count);
    }

    /// <summary>
    /// <c>MLContext.CancelExecution()</c>: internal in ML.NET 5.0.1, called by its friend assemblies (AutoML stops a trial
    /// with it) and through reflection.
    /// </summary>
    internal static void CancelExecution(MLContext ml) =>
        typeof(MLContext).GetMethod("CancelExecution", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!
            .Invoke(ml, null);

    [Fact]
    public void MLContextCancelExecutionStopsTrainingLikeTheTokenAndKeepsAResumableCheckpoint()
    {
        var ml = new MLContext(seed: 1);
        var options = TinyOptions(epochs: 3);
        options.CheckpointDirectory = Path.Combine(_temp, "ckpt");
        options.Progress = new SynchronousProgress<StaTrainingProgress>(p => { if (p.GlobalStep == 2) CancelExecution(ml); });
        var trainer = ml.StaTrainer(options);
        var error = Assert.Throws<OperationCanceledException>(() => trainer.Fit(TinyData(ml, 8, 2)));
        Assert.Contains("the checkpoint in", error.Message);
        Assert.True(trainer.LastResult!.Cancelled);
        Assert.Equal(2, trainer.LastResult.StepLosses.Count);

        // A new context (a cancelled one stays cancelled) resumes where the cancelled run stopped.
        var fresh = new MLContext(seed: 1);
        var resumed = TinyOptions(epochs: 3);
        resumed.CheckpointDirectory = options.CheckpointDirectory;
        var again = fresh.StaTrainer(resumed);
        again.Fit(TinyData(fresh, 8, 2));
        Assert.Equal(2L, again.LastResult!.ResumedFromStep);
        Assert.Equal(6, again.LastResult.StepLosses.Count);
    }
}

public sealed class StaDetectionTransformerTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("sta-detect-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void ACheckpointBecomesAReadyTransformerWhoseScoresMatchTheNetwork()
    {
        using var network = Sta.MLNet.Tests.Network.TestNetworks.RandomTiny(seed: 2);
        var path = Path.Combine(_temp, "tiny.safetensors");
        Sta.MLNet.StaCheckpoint.Save(network, path, Sta.MLNet.CheckpointFormat.SafeTensors);

        var ml = new MLContext(seed: 1);
        var transformer = ml.LoadStaDetector(path, StaPresets.Tiny, new StaDetectionOptions { BatchSize = 3, FeaturesColumnName = "Features" });
        var data = StaTrainerTests.TinyData(ml, 7, seed: 3);
        var scored = transformer.Transform(data);
        var scores = scored.GetColumn<float>("Probability").ToArray();
        var features = scored.GetColumn<VBuffer<float>>("Features").ToArray();
        var clips = data.GetColumn<float[]>("Clip").ToArray();
        Assert.Equal(7, scores.Length);
        Assert.Equal(8 * StaPresets.Tiny.Width, features[0].Length);
        using var guard = TorchSharp.torch.no_grad();
        for (int i = 0; i < clips.Length; i++)
        {
            using var input = TorchSharp.torch.tensor(clips[i], [1, 8, 3, 32, 32]);
            using var output = network.forward(input);
            Assert.Equal(output.Probability.item<float>(), scores[i], 5);
        }
    }

    [Fact]
    public void ScoringProgressCountsClipsPerBatch()
    {
        var ml = new MLContext(seed: 1);
        var transformer = new StaDetectionTransformer(ml, Sta.MLNet.Tests.Network.TestNetworks.RandomTiny(seed: 2),
            new StaDetectionOptions { BatchSize = 3 }, TorchSharp.torch.CPU);
        var reports = new List<long>();
        transformer.Progress = new SynchronousProgress<long>(reports.Add);
        Assert.Equal(7, transformer.Transform(StaTrainerTests.TinyData(ml, 7, seed: 3)).GetColumn<float>("Score").Count());
        Assert.Equal([3L, 6L, 7L], reports);

        transformer.Progress = null;
        Assert.Equal(7, transformer.Transform(StaTrainerTests.TinyData(ml, 7, seed: 3)).GetColumn<float>("Score").Count());
        Assert.Equal(3, reports.Count);
        transformer.ReleaseNetwork();
    }

    [Fact]
    public void NonFiniteClipsAreRefusedNotScored()
    {
        var ml = new MLContext(seed: 1);
        var transformer = new StaDetectionTransformer(ml, Sta.MLNet.Tests.Network.TestNetworks.RandomTiny(seed: 2), null, TorchSharp.torch.CPU);
        var clip = new float[8 * 3 * 32 * 32];
        clip[5] = float.NaN;
        var data = ml.Data.LoadFromEnumerable(new[] { new TinyUnlabelledRow { Clip = clip } });
        var error = Assert.Throws<InvalidDataException>(() => transformer.Transform(data).GetColumn<float>("Score").ToArray());
        Assert.Contains("NaN", error.Message);
        transformer.ReleaseNetwork();
    }
}

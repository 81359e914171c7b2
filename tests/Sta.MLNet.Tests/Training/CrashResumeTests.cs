using Sta.MLNet;
using Sta.MLNet.Tests.Network;
using static TorchSharp.torch;

namespace Sta.MLNet.Tests.Training;

/// <summary>
/// A run stopped dead at a fault point (as a crash would stop it: nothing after the point runs, no cancellation
/// checkpoint) and then rerun with the same settings ends with the losses and weights of a run that was never stopped.
/// The CLI tests do the same with real SIGKILLs of <c>sta train</c>.
/// </summary>
public sealed class CrashResumeTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("sta-crash-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static readonly List<TrainingExample> Examples = InMemoryTrainingData.Flicker(8, 8, 32, seed: 11);
    private static readonly List<TrainingExample> ValidationExamples = InMemoryTrainingData.Flicker(8, 8, 32, seed: 12);

    private static StaTrainer.Options Options(string checkpoints) => new()
    {
        Network = StaPresets.Tiny,
        Epochs = 2,
        BatchSize = 4,
        LearningRate = 1e-3,
        VideoBlending = VideoBlendingMode.None,
        Augment = false,
        CheckpointDirectory = checkpoints,
        // Two steps per epoch, each checkpointed, then the epoch's own checkpoint: last/ is replaced six times.
        CheckpointEverySteps = 1,
        Seed = 77,
    };

    private sealed record Outcome(StaTrainingResult Result, byte[] Weights);

    private static Outcome Train(StaTrainer.Options options, string weightsFile)
    {
        using var detector = TestNetworks.RandomTiny(seed: 3);
        var loop = new StaTrainingLoop(options, CPU, TrainingLoopTests.RankAuc);
        var result = loop.Run(detector, new InMemoryTrainingData(Examples, 5), new InMemoryTrainingData(ValidationExamples, 0, shuffle: false));
        StaCheckpoint.Save(detector, weightsFile, CheckpointFormat.SafeTensors);
        return new Outcome(result, File.ReadAllBytes(weightsFile));
    }

    private static readonly Lazy<Outcome> Uninterrupted = new(() =>
    {
        var folder = Directory.CreateTempSubdirectory("sta-crash-reference-").FullName;
        try
        {
            return Train(Options(Path.Combine(folder, "checkpoints")), Path.Combine(folder, "weights.safetensors"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    });

    /// <summary>Fault point, which time it is reached, and the step the rerun resumes from (null: it starts afresh).</summary>
    public static TheoryData<string, int, long?> FaultPoints => new()
    {
        // Checkpoints are written after steps 1 and 2, at the end of epoch 1 (step 2), after steps 3 and 4, and at the
        // end of epoch 2 (step 4); best/ at the end of epoch 1, before that epoch's checkpoint.
        { "step", 1, null },
        { "last:staging-created", 1, null },
        { "last:written:optimizer.safetensors", 2, 1 },
        { "last:complete", 3, 2 },                   // the epoch's checkpoint is complete but not yet in place
        { "last:set-aside", 3, 3 },                  // no last/ at all, only last.old/ and a complete last.tmp/
        { "last:renamed", 4, 3 },
        { "last:replaced", 6, 4 },                   // everything was done: the rerun only restores the best epoch
        { "best:complete", 1, 2 },
        { "best:renamed", 1, 2 },
    };

    [Theory]
    [MemberData(nameof(FaultPoints))]
    public void A_run_stopped_dead_at_a_fault_point_resumes_to_the_same_weights(string point, int occurrence, long? resumesFrom)
    {
        var checkpoints = Path.Combine(_temp, "checkpoints");
        var crashing = Options(checkpoints);
        int reached = 0;
        crashing.FaultProbe = name =>
        {
            if (name == point && ++reached == occurrence) throw new SimulatedCrash();
        };
        Assert.Throws<SimulatedCrash>(() => Train(crashing, Path.Combine(_temp, "crashed.safetensors")));

        var rerun = Train(Options(checkpoints), Path.Combine(_temp, "rerun.safetensors"));
        var reference = Uninterrupted.Value;
        Assert.Equal(reference.Result.StepLosses, rerun.Result.StepLosses);
        Assert.Equal(reference.Result.BestEpoch, rerun.Result.BestEpoch);
        Assert.Equal(reference.Result.ValidationAucs, rerun.Result.ValidationAucs);
        Assert.True(reference.Weights.AsSpan().SequenceEqual(rerun.Weights), "final weights differ from the uninterrupted run's");
        Assert.Equal(resumesFrom, rerun.Result.ResumedFromStep);
    }

    [Fact]
    public void A_checkpoint_folder_without_manifest_from_earlier_versions_still_resumes()
    {
        var checkpoints = Path.Combine(_temp, "checkpoints");
        var first = Options(checkpoints);
        first.MaxSteps = 3;
        Train(first, Path.Combine(_temp, "first.safetensors"));
        // Earlier versions wrote last/ with the model, optimizer and state files only, and best/ with the model and best.json.
        File.Delete(Path.Combine(checkpoints, "last", CheckpointFolder.ManifestFile));
        File.Delete(Path.Combine(checkpoints, "best", CheckpointFolder.ManifestFile));
        Assert.Equal(["model.safetensors", "optimizer.safetensors", "state.json"],
            Directory.GetFiles(Path.Combine(checkpoints, "last")).Select(Path.GetFileName).Order());

        var resumed = Train(Options(checkpoints), Path.Combine(_temp, "resumed.safetensors"));
        Assert.Equal(3L, resumed.Result.ResumedFromStep);
        Assert.Equal(Uninterrupted.Value.Result.StepLosses, resumed.Result.StepLosses);
        Assert.True(Uninterrupted.Value.Weights.AsSpan().SequenceEqual(resumed.Weights), "final weights differ from the uninterrupted run's");
    }
}

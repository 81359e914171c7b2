using Sta.MLNet;
using Sta.MLNet.Tests.Network;
using static TorchSharp.torch;

namespace Sta.MLNet.Tests.Training;

public sealed class TrainingLoopTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("sta-train-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static StaTrainer.Options Options(string? checkpoints = null, long? maxSteps = null) => new()
    {
        Network = StaPresets.Tiny,
        Epochs = 2,
        BatchSize = 4,
        LearningRate = 1e-3,
        VideoBlending = VideoBlendingMode.None,
        Augment = false,
        CheckpointDirectory = checkpoints,
        MaxSteps = maxSteps,
        Seed = 77,
    };

    internal static double RankAuc(IReadOnlyList<float> scores, IReadOnlyList<bool> labels)
    {
        double wins = 0;
        int pos = labels.Count(l => l), neg = labels.Count - pos;
        for (int i = 0; i < scores.Count; i++)
            for (int j = 0; j < scores.Count; j++)
                if (labels[i] && !labels[j]) wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
        return wins / (pos * (double)neg);
    }

    private static StaTrainingResult Train(StaTrainer.Options options, ITrainingData data, ITrainingData? validation = null, TimeProvider? clock = null)
    {
        using var detector = TestNetworks.RandomTiny(seed: 3);
        var loop = new StaTrainingLoop(options, CPU, RankAuc) { Clock = clock ?? TimeProvider.System };
        return loop.Run(detector, data, validation);
    }

    [Fact]
    public void AResumedRunReproducesTheUninterruptedRunExactly()
    {
        var examples = InMemoryTrainingData.Flicker(16, 8, 32, seed: 1);
        var uninterrupted = Train(Options(), new InMemoryTrainingData(examples, 5));
        Assert.Equal(8, uninterrupted.StepLosses.Count);

        var checkpoints = Path.Combine(_temp, "run");
        var first = Train(Options(checkpoints, maxSteps: 3), new InMemoryTrainingData(examples, 5));
        Assert.Equal(3, first.StepLosses.Count);
        var resumed = Train(Options(checkpoints), new InMemoryTrainingData(examples, 5));

        Assert.Equal(3L, resumed.ResumedFromStep);
        Assert.Equal(uninterrupted.StepLosses, resumed.StepLosses);
        Assert.Equal(2, resumed.EpochsCompleted);
    }

    [Fact]
    public void CancellationKeepsACheckpointThatResumesExactly()
    {
        var examples = InMemoryTrainingData.Flicker(16, 8, 32, seed: 2);
        var uninterrupted = Train(Options(), new InMemoryTrainingData(examples, 9));

        var checkpoints = Path.Combine(_temp, "cancelled");
        using var cancellation = new CancellationTokenSource();
        var options = Options(checkpoints);
        options.CancellationToken = cancellation.Token;
        options.Progress = new SynchronousProgress<StaTrainingProgress>(p =>
        {
            if (p.GlobalStep == 5) cancellation.Cancel();
        });
        var cancelled = Train(options, new InMemoryTrainingData(examples, 9));
        Assert.True(cancelled.Cancelled);
        Assert.Equal(5, cancelled.StepLosses.Count);

        var resumed = Train(Options(checkpoints), new InMemoryTrainingData(examples, 9));
        Assert.Equal(uninterrupted.StepLosses, resumed.StepLosses);
    }

    [Fact]
    public void SparseReportsKeepEveryStepsLossAndTheSameTrajectory()
    {
        var examples = InMemoryTrainingData.Flicker(16, 8, 32, seed: 6);
        var everyStep = Train(Options(), new InMemoryTrainingData(examples, 2));
        var options = Options();
        options.ReportEverySteps = 3;
        var reports = new List<StaTrainingProgress>();
        options.Progress = new SynchronousProgress<StaTrainingProgress>(reports.Add);
        var sparse = Train(options, new InMemoryTrainingData(examples, 2));
        Assert.Equal(everyStep.StepLosses, sparse.StepLosses);
        Assert.Equal([3L, 6L], reports.Where(r => r.Phase == StaTrainingPhase.Training).Select(r => r.GlobalStep));
    }

    [Fact]
    public void ACheckpointOfOtherSettingsIsNotResumedSilently()
    {
        var examples = InMemoryTrainingData.Flicker(8, 8, 32, seed: 3);
        var checkpoints = Path.Combine(_temp, "other");
        Train(Options(checkpoints, maxSteps: 1), new InMemoryTrainingData(examples, 1));
        var changed = Options(checkpoints);
        changed.LearningRate = 5e-4;
        var error = Assert.Throws<InvalidOperationException>(() => Train(changed, new InMemoryTrainingData(examples, 1)));
        Assert.Contains("different settings", error.Message);
    }

    [Fact]
    public void TrainingOnATemporalCueLowersTheLossAndSeparatesTheClasses()
    {
        var examples = InMemoryTrainingData.Flicker(24, 8, 32, seed: 4);
        var validation = InMemoryTrainingData.Flicker(16, 8, 32, seed: 40);
        var options = Options();
        options.Epochs = 15;
        options.LearningRate = 2e-3;
        var reports = new List<StaTrainingProgress>();
        options.Progress = new SynchronousProgress<StaTrainingProgress>(reports.Add);
        var result = Train(options, new InMemoryTrainingData(examples, 4), new InMemoryTrainingData(validation, 0, shuffle: false));

        double firstEpoch = result.StepLosses.Take(6).Average(), lastEpoch = result.StepLosses.TakeLast(6).Average();
        Assert.True(lastEpoch < firstEpoch * 0.7, $"loss did not fall: {firstEpoch:F4} -> {lastEpoch:F4}");
        Assert.True(result.ValidationAucs.Values.Max() >= 0.9, $"validation AUCs {string.Join(", ", result.ValidationAucs.Values)}");
        Assert.NotNull(result.BestEpoch);
        Assert.Contains(reports, r => r.Phase == StaTrainingPhase.Validating);
        Assert.Equal(StaTrainingPhase.Completed, reports[^1].Phase);
        Assert.All(reports.Where(r => r.Phase == StaTrainingPhase.Training), r => Assert.True(r.ClipsPerSecond > 0));
    }

    [Fact]
    public void ProgressSaysWhenTheInputSideLimitsTraining()
    {
        var examples = InMemoryTrainingData.Flicker(8, 8, 32, seed: 5);
        var options = Options();
        options.Epochs = 1;
        var clock = new ManualClock();
        int trainingThread = Environment.CurrentManagedThreadId;
        int readsWhenStep1WasReported = -1;
        var reports = new List<StaTrainingProgress>();
        options.Progress = new SynchronousProgress<StaTrainingProgress>(p =>
        {
            reports.Add(p);
            if (p is { Phase: StaTrainingPhase.Training, GlobalStep: 1 }) Volatile.Write(ref readsWhenStep1WasReported, clock.ReadsBy(trainingThread));
        });
        // The first batch is ready at once; each example of the second costs 60 ms, spent while the network waits for it:
        // the input side starts on it only after step 1 was reported and the loop read the clock again, which it next
        // does when it starts waiting for that batch.
        var data = new PacedTrainingData(new InMemoryTrainingData(examples, 1), clock, TimeSpan.FromMilliseconds(60), firstPacedRow: 4,
            waitBeforePacing: () => clock.WaitForRead(
                c => Volatile.Read(ref readsWhenStep1WasReported) >= 0 && c.ReadsBy(trainingThread) > Volatile.Read(ref readsWhenStep1WasReported),
                "the training loop waiting for its second batch"));
        Train(options, data, clock: clock);

        var training = reports.Where(r => r.Phase == StaTrainingPhase.Training).ToList();
        Assert.Equal([1L, 2L], training.Select(r => r.GlobalStep));
        // All 240 ms of the epoch so far were spent waiting for input.
        Assert.Equal(1.0, training[^1].InputWaitShare);
        Assert.Contains("input wait 100 %", training[^1].ToString());
    }

    [Fact]
    public void ProgressSaysWhenTheNetworkLimitsTraining()
    {
        var examples = InMemoryTrainingData.Flicker(8, 8, 32, seed: 5);
        var options = Options();
        options.Epochs = 1;
        var clock = new ManualClock();
        var reports = new List<StaTrainingProgress>();
        options.Progress = new SynchronousProgress<StaTrainingProgress>(p =>
        {
            reports.Add(p);
            // Each step costs the network 100 ms; batches cost nothing, so they are never what the loop waits for.
            if (p.Phase == StaTrainingPhase.Training) clock.Advance(TimeSpan.FromMilliseconds(100));
        });
        Train(options, new InMemoryTrainingData(examples, 1), clock: clock);

        var training = reports.Where(r => r.Phase == StaTrainingPhase.Training).ToList();
        Assert.Equal(2, training.Count);
        Assert.All(training, r => Assert.Equal(0.0, r.InputWaitShare));
        Assert.Contains("input wait 0 %", training[^1].ToString());
        // The epoch's 8 clips so far over the 100 ms the clock moved (step 1's cost) before the second report.
        Assert.Equal(80.0, training[^1].ClipsPerSecond, precision: 9);
    }

    /// <summary>Replays <paramref name="inner"/>; from row position <paramref name="firstPacedRow"/> on, each example advances the clock.</summary>
    private sealed class PacedTrainingData(ITrainingData inner, ManualClock clock, TimeSpan perExample, int firstPacedRow, Action waitBeforePacing)
        : ITrainingData
    {
        public IEnumerable<TrainingExample> ReadEpoch(int epoch, long skip, CancellationToken cancellationToken)
        {
            long position = skip;
            foreach (var example in inner.ReadEpoch(epoch, skip, cancellationToken))
            {
                if (position == firstPacedRow) waitBeforePacing();
                if (position >= firstPacedRow) clock.Advance(perExample);
                position++;
                yield return example;
            }
        }
    }

    [Fact]
    public void ASecondRunOnTheSameLoopStartsClean()
    {
        var examples = InMemoryTrainingData.Flicker(16, 8, 32, seed: 8);
        var options = Options();
        // Losses wait on the device between reports: a failed run leaves some behind in the middle of an epoch.
        options.ReportEverySteps = 100;
        var loop = new StaTrainingLoop(options, CPU, RankAuc);
        using (var first = TestNetworks.RandomTiny(seed: 3))
        {
            var error = Assert.Throws<InvalidDataException>(() => loop.Run(first, new FailingTrainingData(new InMemoryTrainingData(examples, 5), failAtRow: 10), null));
            Assert.Contains("row 10", error.Message);
        }
        using var second = TestNetworks.RandomTiny(seed: 3);
        var again = loop.Run(second, new InMemoryTrainingData(examples, 5), null);

        var onAFreshLoop = Train(options, new InMemoryTrainingData(examples, 5));
        Assert.Equal(onAFreshLoop.StepLosses, again.StepLosses);
        Assert.Null(again.ResumedFromStep);
    }

    [Fact]
    public void ADataFailureMidEpochLeavesTheDetectorInEvalModeWithItsSettings()
    {
        var examples = InMemoryTrainingData.Flicker(16, 8, 32, seed: 9);
        using var detector = TestNetworks.RandomTiny(seed: 3);
        detector.ComputeType = ScalarType.Float32;
        detector.train();
        var loop = new StaTrainingLoop(Options(), CPU, RankAuc);
        Assert.Throws<InvalidDataException>(() => loop.Run(detector, new FailingTrainingData(new InMemoryTrainingData(examples, 5), failAtRow: 6), null));
        Assert.False(detector.training);
        Assert.Null(detector.Head.DropoutGenerator);
        Assert.Equal(ScalarType.Float32, detector.ComputeType);
    }

    /// <summary>Replays <paramref name="inner"/> and fails when it reaches row position <paramref name="failAtRow"/> of the first epoch.</summary>
    private sealed class FailingTrainingData(ITrainingData inner, int failAtRow) : ITrainingData
    {
        public IEnumerable<TrainingExample> ReadEpoch(int epoch, long skip, CancellationToken cancellationToken)
        {
            long position = skip;
            foreach (var example in inner.ReadEpoch(epoch, skip, cancellationToken))
            {
                if (epoch == 0 && position == failAtRow) throw new InvalidDataException($"Unreadable clip at row {failAtRow}.");
                position++;
                yield return example;
            }
        }
    }

    [Fact]
    public void BlendingWithoutASynthesizerIsAClearError()
    {
        var options = Options();
        options.VideoBlending = VideoBlendingMode.RealFakeAndBlended;
        var error = Assert.Throws<ArgumentException>(() => new StaTrainingLoop(options, CPU, RankAuc));
        Assert.Contains("VideoBlending", error.Message);
    }
}

/// <summary>IProgress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class SynchronousProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}

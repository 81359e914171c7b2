using Sta.MLNet.Model;
using Sta.MLNet.Tests.Model;
using Sta.MLNet.Training;
using static TorchSharp.torch;

namespace Sta.MLNet.Tests.Training;

public sealed class TrainingLoopTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("sta-train-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static StaTrainingOptions Options(string? checkpoints = null, long? maxSteps = null) => new()
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

    private static StaTrainingResult Train(StaTrainingOptions options, ITrainingData data, ITrainingData? validation = null)
    {
        using var detector = TestNetworks.RandomTiny(seed: 3);
        var loop = new StaTrainingLoop(options, CPU, RankAuc);
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
        var reports = new List<StaTrainingProgress>();
        options.Progress = new SynchronousProgress<StaTrainingProgress>(reports.Add);
        // Reading each clip takes 60 ms, far longer than a step of the tiny network on 4 clips of 32 px.
        Train(options, new SlowTrainingData(new InMemoryTrainingData(examples, 1), TimeSpan.FromMilliseconds(60)));
        var training = reports.Where(r => r.Phase == StaTrainingPhase.Training).ToList();
        Assert.NotEmpty(training);
        Assert.True(training[^1].InputWaitShare > 0.5, $"input wait share {training[^1].InputWaitShare:P0}");
        Assert.Contains("input wait", training[^1].ToString());
        Assert.All(reports, r => Assert.InRange(r.InputWaitShare, 0, 1));
    }

    private sealed class SlowTrainingData(ITrainingData inner, TimeSpan perExample) : ITrainingData
    {
        public IEnumerable<TrainingExample> ReadEpoch(int epoch, long skip, CancellationToken cancellationToken)
        {
            foreach (var example in inner.ReadEpoch(epoch, skip, cancellationToken))
            {
                Thread.Sleep(perExample);
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

using Sta.MLNet;
using Sta.MLNet.Tests.Network;
using Sta.MLNet.Tests.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet.Tests.Torch;

/// <summary>
/// Every tensor the library makes on a caller's thread is made inside a dispose scope, so no temporary can be finalized
/// by the GC while libtorch still reads it (docs/reliability.md, "Native handles"). TorchSharp counts, per thread, the
/// tensors created with no scope open; the library's entry points are called here with no scope open and must add none.
/// </summary>
public sealed class DisposeScopeCoverageTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("sta-scope-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static long CreatedOutsideScopes => DisposeScopeManager.Statistics.TensorStatistics.CreatedOutsideScopeCount;

    private static void AssertNoUnscopedTensors(string what, Action action)
    {
        long before = CreatedOutsideScopes;
        action();
        Assert.True(CreatedOutsideScopes == before, $"{what} created {CreatedOutsideScopes - before} tensor(s) outside any dispose scope");
    }

    [Fact]
    public void TheNetworkTheOptimizerCheckpointsAndScoringMakeNoTensorOutsideAScope()
    {
        // TorchSharp's convolution constructors make a temporary nobody owns (weight[0, 0], for the fan-in).
        AssertNoUnscopedTensors("building a network", () => new StaDetector(StaPresets.Tiny, seed: 1).Dispose());
        var detector = TestNetworks.RandomTiny(seed: 2);
        var clips = TestNetworks.RandomClips(2, StaPresets.Tiny, seed: 3);
        AssertNoUnscopedTensors("inference", () =>
        {
            using var guard = no_grad();
            using var output = detector.forward(clips);
        });
        detector.train();
        AssertNoUnscopedTensors("a training forward", () =>
        {
            using var output = detector.forward(clips);
        });
        StaAdam? optimizer = null;
        var parameters = detector.named_parameters().Select(p => (p.name, p.parameter)).ToList();
        AssertNoUnscopedTensors("creating the optimizer", () => optimizer = new StaAdam(parameters, 1e-3, 0.9, 0.999, 1e-8, 0.01, decoupledWeightDecay: false));
        AssertNoUnscopedTensors("an optimizer step", () =>
        {
            optimizer!.ZeroGrad();
            optimizer.StepOnce();
        });
        var state = Path.Combine(_temp, "adam.safetensors");
        AssertNoUnscopedTensors("saving and loading the optimizer", () =>
        {
            optimizer!.Save(state);
            optimizer.Load(state);
        });
        optimizer!.Dispose();
        var checkpoint = Path.Combine(_temp, "model.safetensors");
        AssertNoUnscopedTensors("saving and loading a checkpoint", () =>
        {
            StaCheckpoint.Save(detector, checkpoint, CheckpointFormat.SafeTensors);
            StaCheckpoint.Load(detector, checkpoint);
        });

        var pth = Path.Combine(_temp, "model.pth");
        StaCheckpoint.Save(detector, pth, CheckpointFormat.PyTorch);
        AssertNoUnscopedTensors("reading a PyTorch zip checkpoint (TorchSharp.PyBridge's unpickler)", () =>
        {
            foreach (var tensor in StateDictFile.Load(pth).Values) tensor.Dispose();
        });

        var examples = InMemoryTrainingData.Flicker(8, 8, 32, seed: 6);
        var options = new StaTrainer.Options
        {
            Network = StaPresets.Tiny, Epochs = 1, BatchSize = 4, LearningRate = 1e-3, Seed = 3,
            VideoBlending = VideoBlendingMode.None, Augment = false, CheckpointDirectory = Path.Combine(_temp, "run"),
        };
        AssertNoUnscopedTensors("a training run with validation, checkpoints and best-epoch selection", () =>
            new StaTrainingLoop(options, CPU, TrainingLoopTests.RankAuc).Run(detector, new InMemoryTrainingData(examples, 1), new InMemoryTrainingData(examples, 2, shuffle: false)));
        options.CheckpointDirectory = null;
        AssertNoUnscopedTensors("a training run keeping the best weights in memory", () =>
            new StaTrainingLoop(options, CPU, TrainingLoopTests.RankAuc).Run(detector, new InMemoryTrainingData(examples, 1), new InMemoryTrainingData(examples, 2, shuffle: false)));

        detector.eval();
        var stage = new StaDetectionTransformer(new Microsoft.ML.MLContext(seed: 1), detector, new StaDetectionOptions { FeaturesColumnName = "Features" }, CPU);
        var clipLength = (int)(clips.numel() / clips.shape[0]);
        var batch = new[] { new float[clipLength], new float[clipLength] };
        var results = new (float, float)[2];
        AssertNoUnscopedTensors("scoring a batch through the ML.NET stage", () => stage.ScoreBatch(batch, 2, results, new float[2][]));
        AssertNoUnscopedTensors("explaining a clip", () => new Sta.MLNet.ClipExplainer(stage).Explain(batch[0]));
        detector.Dispose();
        clips.Dispose();
    }
}

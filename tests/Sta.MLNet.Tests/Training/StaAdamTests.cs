using Sta.MLNet;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sta.MLNet.Tests.Training;

public sealed class StaAdamTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("sta-adam-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static (Parameter A, Parameter B) Parameters(int seed)
    {
        using var g = new Generator((ulong)seed);
        using var a = randn([5, 3], generator: g);
        using var b = randn([4], generator: g);
        return (new Parameter(a), new Parameter(b));
    }

    private static void Backward(Parameter a, Parameter b, int step)
    {
        using var scope = NewDisposeScope();
        var loss = a.mul(a).Multiply(step + 1).sum().Add(b.sin().mul(a.sum()).sum());
        loss.backward();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MatchesTorchAdamAndAdamW(bool decoupled)
    {
        using var scope = NewDisposeScope();
        var (a1, b1) = Parameters(1);
        var (a2, b2) = Parameters(1);
        using var ours = new StaAdam([("a", a1), ("b", b1)], 1e-2, 0.9, 0.999, 1e-8, 5e-2, decoupled);
        OptimizerHelper reference = decoupled
            ? optim.AdamW(new[] { a2, b2 }, 1e-2, 0.9, 0.999, 1e-8, 5e-2)
            : optim.Adam(new[] { a2, b2 }, 1e-2, 0.9, 0.999, 1e-8, 5e-2);
        for (int step = 0; step < 5; step++)
        {
            ours.ZeroGrad();
            Backward(a1, b1, step);
            ours.StepOnce();
            reference.zero_grad();
            Backward(a2, b2, step);
            reference.step();
        }
        Assert.True((a1 - a2).abs().max().item<float>() < 1e-6f);
        Assert.True((b1 - b2).abs().max().item<float>() < 1e-6f);
        Assert.False(ours.GradientsGathered, "autograd should accumulate into the flat gradient buffer in place");
    }

    [Fact]
    public void FlattenedParametersStillSaveAndLoadCorrectly()
    {
        using var scope = NewDisposeScope();
        using var detector = Sta.MLNet.Tests.Network.TestNetworks.RandomTiny(seed: 4);
        var before = detector.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());
        Sta.MLNet.StaParameterGroups.Apply(detector, Sta.MLNet.StaTuningMode.AdapterTuning);
        using var adam = new StaAdam(detector.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter)).ToList(),
            1e-3, 0.9, 0.999, 1e-8, 0, false);
        foreach (var (key, value) in detector.state_dict()) Assert.True(value.eq(before[key]).all().item<bool>(), key);
        foreach (var format in new[] { Sta.MLNet.CheckpointFormat.PyTorch, Sta.MLNet.CheckpointFormat.SafeTensors })
        {
            var path = Path.Combine(_temp, "flat." + format);
            Sta.MLNet.StaCheckpoint.Save(detector, path, format);
            using var reloaded = Sta.MLNet.StaCheckpoint.LoadDetector(path, Sta.MLNet.StaPresets.Tiny);
            foreach (var (key, value) in reloaded.state_dict()) Assert.True(value.eq(before[key]).all().item<bool>(), $"{format}: {key}");
        }
    }

    [Fact]
    public void SavedStateResumesBitExactly()
    {
        using var scope = NewDisposeScope();
        var (a1, b1) = Parameters(2);
        var (a2, b2) = Parameters(2);
        using var first = new StaAdam([("a", a1), ("b", b1)], 1e-2, 0.9, 0.999, 1e-8, 5e-4, false);
        using var second = new StaAdam([("a", a2), ("b", b2)], 1e-2, 0.9, 0.999, 1e-8, 5e-4, false);
        for (int step = 0; step < 3; step++)
        {
            first.ZeroGrad(); Backward(a1, b1, step); first.StepOnce();
            second.ZeroGrad(); Backward(a2, b2, step); second.StepOnce();
        }
        var path = Path.Combine(_temp, "adam.safetensors");
        second.Save(path);
        using var restored = new StaAdam([("a", a2), ("b", b2)], 1e-2, 0.9, 0.999, 1e-8, 5e-4, false);
        restored.Load(path);
        Assert.Equal(3, restored.Step);
        for (int step = 3; step < 6; step++)
        {
            first.ZeroGrad(); Backward(a1, b1, step); first.StepOnce();
            restored.ZeroGrad(); Backward(a2, b2, step); restored.StepOnce();
        }
        Assert.True(a1.eq(a2).all().item<bool>() && b1.eq(b2).all().item<bool>());

        using var other = new StaAdam([("c", a2)], 1e-2, 0.9, 0.999, 1e-8, 5e-4, false);
        Assert.Contains("'c'", Assert.Throws<InvalidDataException>(() => other.Load(path)).Message);
    }
}

using Sta.MLNet;
using Sta.MLNet.Tests.Fixtures;
using Sta.MLNet.Tests.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet.Tests.Checkpoints;

public sealed class CheckpointLoadingTests : IDisposable
{
    private static readonly StaNetworkOptions FixturePreset = StaPresets.Official with { Layers = 1, InputResolution = 56 };
    private readonly string _temp = Directory.CreateTempSubdirectory("sta-ckpt-").FullName;

    private static string FixtureCheckpoint => Path.Combine(FixturePaths.Fixture("sta"), "tiny_official.pth");

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static void AssertSameState(nn.Module expected, nn.Module actual)
    {
        var a = expected.state_dict();
        var b = actual.state_dict();
        Assert.Equal(a.Keys.OrderBy(k => k), b.Keys.OrderBy(k => k));
        foreach (var (key, tensor) in a) Assert.True(TensorCompare.Identical(tensor, b[key]), $"{key} differs");
    }

    [Fact]
    public void AModulePrefixedCheckpointLoadsToTheSameTensors()
    {
        using var reference = StaCheckpoint.LoadDetector(FixtureCheckpoint, FixturePreset);
        var prefixed = Path.Combine(_temp, "ddp.pth");
        var stateDict = StateDictFile.Load(FixtureCheckpoint);
        StateDictFile.Save(prefixed, stateDict.ToDictionary(p => "module." + p.Key, p => p.Value), CheckpointFormat.PyTorch);
        foreach (var t in stateDict.Values) t.Dispose();

        Assert.All(StateDictFile.Load(prefixed).Keys, k => Assert.StartsWith("module.", k));
        using var loaded = StaCheckpoint.LoadDetector(prefixed, FixturePreset);
        AssertSameState(reference, loaded);
    }

    [Theory]
    [InlineData("roundtrip.pth", false)]
    [InlineData("roundtrip.safetensors", true)]
    [InlineData("ROUNDTRIP.SafeTensors", true)]
    public void SavedWeightsLoadBackIdenticallyWithOfficialKeys(string fileName, bool safeTensors)
    {
        using var original = TestNetworks.RandomTiny(seed: 5);
        var path = Path.Combine(_temp, fileName);
        StaCheckpoint.Save(original, path); // the format follows the extension
        Assert.Equal(safeTensors ? CheckpointFormat.SafeTensors : CheckpointFormat.PyTorch, StateDictFile.DetectFormat(path));
        using var reloaded = StaCheckpoint.LoadDetector(path, StaPresets.Tiny);
        AssertSameState(original, reloaded);
        var keys = StateDictFile.Load(path).Keys.ToList();
        Assert.Contains("backbone.transformer.resblocks.1.Adapter.t_conv3.bn2.num_batches_tracked", keys);
        Assert.Contains("head.fc_cls.weight", keys);
    }

    [Fact]
    public void MissingNumBatchesTrackedIsAccepted()
    {
        using var original = TestNetworks.RandomTiny(seed: 6);
        var path = Path.Combine(_temp, "no-counters.safetensors");
        StateDictFile.Save(path, original.state_dict().Where(p => !p.Key.EndsWith("num_batches_tracked"))
            .ToDictionary(p => p.Key, p => p.Value), CheckpointFormat.SafeTensors);
        using var reloaded = StaCheckpoint.LoadDetector(path, StaPresets.Tiny);
        Assert.True(TensorCompare.Identical(original.state_dict()["head.fc_cls.weight"], reloaded.state_dict()["head.fc_cls.weight"]));
    }

    [Fact]
    public void AMismatchNamesEveryOffendingKeyAndCopiesNothing()
    {
        using var source = TestNetworks.RandomTiny(seed: 8);
        var entries = source.state_dict().ToDictionary(p => p.Key, p => p.Value);
        entries.Remove("backbone.ln_post.bias");
        entries["backbone.conv1.weight"] = zeros(1, 2, 3);
        entries["backbone.extra.weight"] = zeros(2);
        var path = Path.Combine(_temp, "broken.pth");
        StateDictFile.Save(path, entries, CheckpointFormat.PyTorch);

        using var target = TestNetworks.RandomTiny(seed: 9);
        using var before = target.state_dict()["head.fc_cls.weight"].clone();
        var error = Assert.Throws<CheckpointMismatchException>(() => StaCheckpoint.Load(target, path));
        Assert.Equal(["backbone.ln_post.bias"], error.MissingKeys);
        Assert.Equal(["backbone.extra.weight"], error.UnexpectedKeys);
        Assert.Single(error.MisShapedKeys);
        Assert.Contains("backbone.conv1.weight", error.Message);
        Assert.Contains("backbone.ln_post.bias", error.Message);
        Assert.True(TensorCompare.Identical(before, target.state_dict()["head.fc_cls.weight"]), "a failed load must not modify the network");
    }

    [Fact]
    public void TheOfficialFixtureIntoTheWrongPresetFailsClearly()
    {
        var error = Assert.Throws<CheckpointMismatchException>(() => StaCheckpoint.LoadDetector(FixtureCheckpoint, StaPresets.Tiny));
        Assert.Contains("backbone.positional_embedding", error.Message);
    }

    [Fact]
    public void FilesThatAreNotCheckpointsAreRejectedWithTheirPath()
    {
        var text = Path.Combine(_temp, "notes.pth");
        File.WriteAllText(text, "this is not a checkpoint");
        var error = Assert.Throws<InvalidDataException>(() => StateDictFile.Load(text));
        Assert.Contains(text, error.Message);

        var legacy = Path.Combine(_temp, "legacy.pth");
        File.WriteAllBytes(legacy, [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20]);
        Assert.Contains("legacy", Assert.Throws<InvalidDataException>(() => StateDictFile.Load(legacy)).Message);

        Assert.Throws<FileNotFoundException>(() => StateDictFile.Load(Path.Combine(_temp, "absent.pth")));

        var truncated = Path.Combine(_temp, "truncated.pth");
        var bytes = File.ReadAllBytes(FixtureCheckpoint);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 3)]);
        Assert.Contains(truncated, Assert.Throws<InvalidDataException>(() => StateDictFile.Load(truncated)).Message);
    }
}

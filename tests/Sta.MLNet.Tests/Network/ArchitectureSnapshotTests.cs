using Sta.MLNet;
using Sta.MLNet.Tests.Fixtures;
using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet.Tests.Network;

/// <summary>
/// The network's state_dict must list exactly the official names, shapes and dtypes, in order: that is what makes the
/// authors' checkpoint load 1:1. Built on the meta device, so the 224 M-parameter official preset costs no memory.
/// </summary>
public class ArchitectureSnapshotTests
{
    internal static List<string> Listing(nn.Module module) => PyTorchStateDictOrder.Entries(module)
        .Select(p => $"{p.Key} [{string.Join(",", p.Value.shape)}] {DTypeName(p.Value.dtype)}")
        .ToList();

    private static string DTypeName(ScalarType type) => type switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.Int64 => "int64",
        _ => type.ToString().ToLowerInvariant(),
    };

    private static (List<string> Entries, long? TotalParameters) ReadKeyFile(string path)
    {
        var entries = new List<string>();
        long? total = null;
        foreach (var line in File.ReadAllLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            if (line.StartsWith("# total_parameters", StringComparison.Ordinal)) total = long.Parse(line.Split(' ')[^1]);
            else if (!line.StartsWith('#')) entries.Add(line.Trim());
        }
        return (entries, total);
    }

    [Fact]
    public void OfficialPresetMatchesTheOfficialStateDictListing()
    {
        var (expected, total) = ReadKeyFile(Path.Combine(FixturePaths.Fixture("sta"), "official_vitl14_14layers.keys.txt"));
        using var detector = new StaDetector(StaPresets.Official, torch.META);
        var actual = Listing(detector);

        Assert.Equal(2110, expected.Count);
        var missing = expected.Except(actual).ToList();
        var extra = actual.Except(expected).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"missing: {string.Join("; ", missing.Take(5))} extra: {string.Join("; ", extra.Take(5))}");
        Assert.Equal(expected, actual); // same order too
        Assert.Equal(total, detector.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void OfficialPresetHasTheSpecsParameterCounts()
    {
        using var detector = new StaDetector(StaPresets.Official, torch.META);
        long Count(Func<string, bool> select) => detector.named_parameters().Where(p => select(p.name)).Sum(p => p.parameter.numel());

        Assert.Equal(223_841_282, Count(_ => true));
        Assert.Equal(223_839_232, Count(n => n.StartsWith("backbone.")));
        Assert.Equal(46_613_504, Count(n => n.Contains(".Adapter.")));
        Assert.Equal(3_329_536, Count(n => n.StartsWith("backbone.transformer.resblocks.0.Adapter.")));
        Assert.Equal(2_101_248, Count(n => n.StartsWith("backbone.transformer.resblocks.0.Adapter.cross_attention.")));
        Assert.Equal(8_192, Count(n => n == "backbone.temporal_embedding"));
        Assert.Equal(2_050, Count(n => n.StartsWith("head.")));
        // 258,048 running statistics + 252 num_batches_tracked counters (the official state dict holds both).
        Assert.Equal(258_300, detector.named_buffers().Sum(b => b.buffer.numel()));
        Assert.Equal(252, detector.named_buffers().Count(b => b.name.EndsWith("num_batches_tracked")));
    }

    [Fact]
    public void OneLayerPresetMatchesTheTinyFixtureListing()
    {
        var (expected, _) = ReadKeyFile(Path.Combine(FixturePaths.Fixture("sta"), "tiny_official.keys.txt"));
        var options = StaPresets.Official with { Layers = 1, InputResolution = 56 };
        using var detector = new StaDetector(options, torch.META);
        Assert.Equal(expected, Listing(detector));
    }

    [Theory]
    [InlineData("vitb16")]
    [InlineData("tiny")]
    public void OtherPresetsKeepTheOfficialNamingScheme(string preset)
    {
        var options = StaPresets.ByName(preset);
        using var detector = new StaDetector(options, torch.META);
        var names = detector.state_dict().Keys.ToList();
        Assert.Equal(10 + options.Layers * 150, names.Count);
        Assert.All(names, n => Assert.True(n.StartsWith("backbone.") || n.StartsWith("head.")));
        Assert.Contains($"backbone.transformer.resblocks.{options.Layers - 1}.Adapter.cross_attention.temporal_to_spatial.in_proj_weight", names);
    }
}

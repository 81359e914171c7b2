using Sta.MLNet;
using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet.Cli.Inspection;

/// <summary>One entry of a state_dict.</summary>
internal sealed record CheckpointEntry(string Key, IReadOnlyList<long> Shape, string DType)
{
    public long Elements => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>BatchNorm running statistics and counters are buffers, not trainable parameters.</summary>
    public bool IsBuffer => Key.EndsWith(".running_mean", StringComparison.Ordinal) || Key.EndsWith(".running_var", StringComparison.Ordinal) ||
                            Key.EndsWith(".num_batches_tracked", StringComparison.Ordinal);

    public string ShapeText => "[" + string.Join(",", Shape) + "]";
}

/// <summary>How a checkpoint compares with one network configuration.</summary>
internal sealed record PresetComparison(string Name, IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected, IReadOnlyList<string> MisShaped)
{
    public bool Matches => Missing.Count == 0 && Unexpected.Count == 0 && MisShaped.Count == 0;

    public int Differences => Missing.Count + Unexpected.Count + MisShaped.Count;
}

/// <summary>
/// What a checkpoint file holds: its format, entries, parameter count, the StA sizes its shapes imply, and how it
/// compares with the named presets (<see cref="StaPresets"/>). Nothing is loaded into a network: presets are built
/// on the meta device, so even the official configuration costs no memory.
/// </summary>
internal sealed record CheckpointInspection(
    string Path,
    CheckpointFormat Format,
    IReadOnlyList<CheckpointEntry> Entries,
    StaNetworkOptions? Detected,
    IReadOnlyList<PresetComparison> Presets,
    PresetComparison? DetectedComparison)
{
    private const string DataParallelPrefix = "module.";

    public long ParameterCount => Entries.Where(e => !e.IsBuffer).Sum(e => e.Elements);

    public long BufferCount => Entries.Where(e => e.IsBuffer).Sum(e => e.Elements);

    /// <summary>The preset the checkpoint fits exactly, if any.</summary>
    public string? MatchingPreset => Presets.FirstOrDefault(p => p.Matches)?.Name;

    public static readonly IReadOnlyList<(string Name, StaNetworkOptions Options)> KnownPresets =
    [
        ("official", StaPresets.Official),
        ("vitb16", StaPresets.VitB16),
        ("tiny", StaPresets.Tiny),
    ];

    public static CheckpointInspection Read(string path)
    {
        var format = StateDictFile.DetectFormat(path);
        var stateDict = StateDictFile.Load(path);
        List<CheckpointEntry> entries;
        try
        {
            entries = stateDict.Select(p => new CheckpointEntry(p.Key, p.Value.shape, p.Value.dtype.ToString().ToLowerInvariant())).ToList();
        }
        finally
        {
            foreach (var tensor in stateDict.Values) tensor.Dispose();
        }
        var shapes = entries.ToDictionary(e => StripPrefix(e.Key), e => e.Shape, StringComparer.Ordinal);
        var presets = KnownPresets.Select(p => Compare(p.Name, p.Options, shapes)).ToList();
        // Heads cannot be read off shapes; a checkpoint that fits a preset gets that preset's (known) sizes.
        var matching = presets.FirstOrDefault(p => p.Matches);
        var detected = matching is null ? Infer(shapes) : KnownPresets.First(p => p.Name == matching.Name).Options;
        PresetComparison? detectedComparison = null;
        if (detected is not null)
        {
            try
            {
                detectedComparison = Compare("detected", detected.Validate(), shapes);
            }
            catch (ArgumentException)
            {
                detected = null; // the shapes do not describe a buildable StA network
            }
        }
        return new CheckpointInspection(path, format, entries, detected, presets, detectedComparison);
    }

    private static string StripPrefix(string key) => key.StartsWith(DataParallelPrefix, StringComparison.Ordinal) ? key[DataParallelPrefix.Length..] : key;

    private static PresetComparison Compare(string name, StaNetworkOptions options, IReadOnlyDictionary<string, IReadOnlyList<long>> shapes)
    {
        using var detector = new StaDetector(options, META);
        var expected = detector.state_dict().ToDictionary(p => p.Key, p => (IReadOnlyList<long>)p.Value.shape, StringComparer.Ordinal);
        var missing = expected.Keys.Where(k => !shapes.ContainsKey(k)).ToList();
        var unexpected = shapes.Keys.Where(k => !expected.ContainsKey(k)).ToList();
        var misShaped = expected
            .Where(p => shapes.TryGetValue(p.Key, out var actual) && !actual.SequenceEqual(p.Value))
            .Select(p => $"{p.Key}: checkpoint [{string.Join(",", shapes[p.Key])}] vs {name} [{string.Join(",", p.Value)}]")
            .ToList();
        return new PresetComparison(name, missing, unexpected, misShaped);
    }

    /// <summary>
    /// The network sizes the shapes imply. Heads are not visible in shapes: CLIP's head width of 64 is assumed for the
    /// backbone, and the official 2 heads for the adapters' cross-attention.
    /// </summary>
    private static StaNetworkOptions? Infer(IReadOnlyDictionary<string, IReadOnlyList<long>> shapes)
    {
        const string blocks = "backbone.transformer.resblocks.";
        if (!shapes.TryGetValue("backbone.conv1.weight", out var conv) || conv.Count != 4 ||
            !shapes.TryGetValue("backbone.positional_embedding", out var positions) || positions.Count != 2)
            return null;
        var layerIndices = shapes.Keys.Where(k => k.StartsWith(blocks, StringComparison.Ordinal))
            .Select(k => k[blocks.Length..].Split('.')[0])
            .Select(s => int.TryParse(s, out var i) ? i : -1)
            .Where(i => i >= 0)
            .ToList();
        if (layerIndices.Count == 0) return null;
        var width = (int)conv[0];
        var patch = (int)conv[2];
        var grid = (int)Math.Round(Math.Sqrt(positions[0] - 1));
        int Dim(string key, int axis, int fallback) => shapes.TryGetValue(key, out var s) && s.Count > axis ? (int)s[axis] : fallback;
        var block0 = blocks + "0.";
        return new StaNetworkOptions
        {
            Width = width,
            Layers = layerIndices.Max() + 1,
            Heads = Math.Max(1, width / 64),
            PatchSize = patch,
            InputResolution = grid * patch,
            NumFrames = Dim("backbone.temporal_embedding", 1, 8),
            AdapterWidth = Dim(block0 + "Adapter.down.weight", 0, width / 2),
            CrossAttentionHeads = 2,
            MlpWidth = Dim(block0 + "mlp.c_fc.weight", 0, 4 * width),
            NumClasses = Dim("head.fc_cls.weight", 0, 2),
            SpatialKernels = [Dim(block0 + "Adapter.s_conv1.conv1.weight", 4, 3), Dim(block0 + "Adapter.s_conv2.conv1.weight", 4, 5), Dim(block0 + "Adapter.s_conv3.conv1.weight", 4, 7)],
            TemporalKernels = [Dim(block0 + "Adapter.t_conv1.conv1.weight", 2, 3), Dim(block0 + "Adapter.t_conv2.conv1.weight", 2, 5), Dim(block0 + "Adapter.t_conv3.conv1.weight", 2, 7)],
        };
    }
}

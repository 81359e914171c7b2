using System.Text.Json;
using Sta.MLNet;
using Sta.MLNet.Tests.Fixtures;
using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet.Tests.Network;

/// <summary>One case of a <c>sta-network-parity</c> fixture folder (see the fixture README).</summary>
public sealed record ParityCase(
    string Folder,
    string FixtureName,
    string Name,
    StaNetworkOptions Options,
    string CheckpointPath,
    string TensorsPath,
    double OutputTolerance,
    double IntermediateTolerance,
    string Input,
    CrossAttentionBatchSemantics Semantics,
    IReadOnlyDictionary<string, string> Outputs,
    IReadOnlyDictionary<string, string> Intermediates)
{
    public override string ToString() => Name;

    /// <summary>Every case of every parity folder: the public one and those in STA_PARITY_FIXTURES.</summary>
    public static IEnumerable<ParityCase> All()
    {
        foreach (var folder in FixturePaths.FixtureFolders("sta", "STA_PARITY_FIXTURES"))
        {
            var configPath = Path.Combine(folder, "config.json");
            if (!File.Exists(configPath)) continue;
            using var json = JsonDocument.Parse(File.ReadAllText(configPath));
            var root = json.RootElement;
            if (root.GetProperty("kind").GetString() != "sta-network-parity") continue;
            var preset = root.GetProperty("preset");
            int Int(string name, int fallback) => preset.TryGetProperty(name, out var v) ? v.GetInt32() : fallback;
            var baseOptions = StaPresets.Official with
            {
                Width = Int("width", 1024), Layers = Int("layers", 14), Heads = Int("heads", 16),
                PatchSize = Int("patch_size", 14), InputResolution = Int("input_resolution", 224),
                NumFrames = Int("num_frames", 8), AdapterWidth = Int("adapter_width", 512),
                CrossAttentionHeads = Int("cross_attention_heads", 2), MlpWidth = Int("mlp_width", 4096),
                NumClasses = Int("num_classes", 2),
            };
            var tolerance = root.GetProperty("tolerance");
            foreach (var c in root.GetProperty("cases").EnumerateArray())
            {
                var semantics = c.GetProperty("semantics").GetString() switch
                {
                    "literal" => CrossAttentionBatchSemantics.Literal,
                    "per-clip" => CrossAttentionBatchSemantics.PerClip,
                    var other => throw new InvalidDataException($"{configPath}: unknown semantics '{other}'"),
                };
                Dictionary<string, string> Map(string property) => c.TryGetProperty(property, out var o)
                    ? o.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!)
                    : new Dictionary<string, string>();
                yield return new ParityCase(folder, root.GetProperty("name").GetString()!, c.GetProperty("name").GetString()!,
                    baseOptions with { BatchSemantics = semantics },
                    Path.Combine(folder, root.GetProperty("checkpoint").GetString()!),
                    Path.Combine(folder, root.GetProperty("tensors").GetString()!),
                    tolerance.GetProperty("outputs_abs").GetDouble(), tolerance.GetProperty("intermediates_abs").GetDouble(),
                    c.GetProperty("input").GetString()!, semantics, Map("outputs"), Map("intermediates"));
            }
        }
    }
}

/// <summary>Loads fixture tensors once per file.</summary>
internal static class FixtureTensors
{
    private static readonly Dictionary<string, IReadOnlyDictionary<string, SafeTensorEntry>> Cache = new();

    public static Tensor Get(string path, string name)
    {
        IReadOnlyDictionary<string, SafeTensorEntry> entries;
        lock (Cache)
        {
            if (!Cache.TryGetValue(path, out entries!)) Cache[path] = entries = SafeTensorsFile.Read(path);
        }
        if (!entries.TryGetValue(name, out var entry)) throw new KeyNotFoundException($"{path} has no tensor '{name}'.");
        return torch.tensor(entry.ToSingleArray(), entry.Shape);
    }
}

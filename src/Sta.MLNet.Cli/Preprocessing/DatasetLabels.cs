using System.Text.Json;
using Sta.MLNet.Cli.Infrastructure;
using Sta.MLNet;

namespace Sta.MLNet.Cli.Preprocessing;

/// <summary>
/// Label names to classes for a DeepfakeBench JSON: DeepfakeBench's own names (<see cref="DeepfakeBenchLabels.Standard"/>),
/// and otherwise names ending in "real" (class 0) or "fake" (class 1), case-insensitive — the names
/// <c>sta preprocess</c> writes (<c>&lt;dataset&gt;_real</c>, <c>&lt;dataset&gt;_fake</c>).
/// </summary>
internal static class DatasetLabels
{
    public static string RealName(string dataset) => $"{dataset}_real";

    public static string FakeName(string dataset) => $"{dataset}_fake";

    /// <summary>The mapping for every label name found in <paramref name="jsonPath"/>.</summary>
    public static IReadOnlyDictionary<string, int> MappingFor(string jsonPath)
    {
        var mapping = new Dictionary<string, int>(DeepfakeBenchLabels.Standard, StringComparer.Ordinal);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(jsonPath));
        }
        catch (JsonException error)
        {
            throw new DatasetFormatException(jsonPath, $"Malformed JSON: {error.Message}", error);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) return mapping;
            foreach (var dataset in document.RootElement.EnumerateObject())
            {
                if (dataset.Value.ValueKind != JsonValueKind.Object) continue;
                foreach (var label in dataset.Value.EnumerateObject())
                {
                    if (mapping.ContainsKey(label.Name)) continue;
                    if (label.Name.EndsWith("real", StringComparison.OrdinalIgnoreCase)) mapping[label.Name] = DeepfakeBenchLabels.Real;
                    else if (label.Name.EndsWith("fake", StringComparison.OrdinalIgnoreCase)) mapping[label.Name] = DeepfakeBenchLabels.Fake;
                    else throw new UsageException($"{jsonPath}: label '{label.Name}' is neither a DeepfakeBench label nor a name ending in 'real' or 'fake'.");
                }
            }
        }
        return mapping;
    }
}

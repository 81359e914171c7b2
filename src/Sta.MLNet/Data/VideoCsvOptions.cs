namespace Sta.MLNet;

/// <summary>How a CSV list of labelled videos (<c>path,label</c> per line) is read.</summary>
internal sealed record VideoCsvOptions
{
    /// <summary>Folder relative video paths are resolved against. Default null: the CSV file's folder.</summary>
    public string? Root { get; init; }

    /// <summary>
    /// Label text to class; the dictionary's comparer decides case sensitivity. Default: "real" 0, "fake" 1 and
    /// every DeepfakeBench label name (<see cref="DeepfakeBenchLabels.Standard"/>), case-insensitive. The texts "0"
    /// and "1" are always accepted (named "real" and "fake").
    /// </summary>
    public IReadOnlyDictionary<string, int> LabelMapping { get; init; } = DefaultMapping;

    private static IReadOnlyDictionary<string, int> DefaultMapping { get; } =
        new Dictionary<string, int>(DeepfakeBenchLabels.Standard, StringComparer.OrdinalIgnoreCase)
        {
            ["real"] = DeepfakeBenchLabels.Real,
            ["fake"] = DeepfakeBenchLabels.Fake,
        };
}

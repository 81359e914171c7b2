namespace Sta.MLNet;

/// <summary>
/// DeepfakeBench's <c>label_dict</c> (docs/design.md, "Dataset JSON"): every label name of its dataset JSONs mapped to 0 (real) or
/// 1 (fake).
/// </summary>
internal static class DeepfakeBenchLabels
{
    public const int Real = 0;
    public const int Fake = 1;

    /// <summary>The real labels of DeepfakeBench's datasets.</summary>
    public static IReadOnlyList<string> RealNames { get; } =
    [
        "FF-real", "DFD_real", "CelebDFv1_real", "CelebDFv2_real", "DFDCP_Real", "DFDC_Real", "DF_real", "UADFV_Real",
    ];

    /// <summary>The fake labels of DeepfakeBench's datasets.</summary>
    public static IReadOnlyList<string> FakeNames { get; } =
    [
        "FF-DF", "FF-F2F", "FF-FS", "FF-NT", "FF-FH", "FF-SH", "DFD_fake", "CelebDFv1_fake", "CelebDFv2_fake",
        "DFDCP_FakeA", "DFDCP_FakeB", "DFDC_Fake", "DF_fake", "UADFV_Fake",
    ];

    /// <summary>
    /// Label name to class (0 real, 1 fake), case-sensitive as in DeepfakeBench. To read JSONs with other label
    /// names (DF40's, your own), pass an extended copy as <see cref="DeepfakeBenchOptions.LabelMapping"/>:
    /// <c>new Dictionary&lt;string, int&gt;(DeepfakeBenchLabels.Standard) { ["my_fake"] = 1 }</c>.
    /// </summary>
    public static IReadOnlyDictionary<string, int> Standard { get; } =
        RealNames.Select(name => (name, Real)).Concat(FakeNames.Select(name => (name, Fake)))
            .ToDictionary(pair => pair.name, pair => pair.Item2, StringComparer.Ordinal);
}

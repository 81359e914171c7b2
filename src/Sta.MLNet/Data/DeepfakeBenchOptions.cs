namespace Sta.MLNet;

/// <summary>Which part of a DeepfakeBench dataset JSON to read, and where its frames live.</summary>
public sealed record DeepfakeBenchOptions
{
    /// <summary>Split to read. Default <see cref="DatasetSplit.Test"/>.</summary>
    public DatasetSplit Split { get; init; } = DatasetSplit.Test;

    /// <summary>
    /// Compression level to read in files that have one (the FaceForensics++ family: "c23", "c40", "raw"); ignored
    /// for files without that level. Default "c23", DeepfakeBench's default.
    /// </summary>
    public string Compression { get; init; } = "c23";

    /// <summary>
    /// Folder that relative frame paths of the JSON are resolved against (DeepfakeBench's <c>rgb_dir</c>).
    /// Default null: the folder of the JSON file. Absolute paths in the JSON are used as they are.
    /// </summary>
    public string? FrameRoot { get; init; }

    /// <summary>Label names to read (e.g. only "FF-real" and "FF-DF"). Default null: every label of the file.</summary>
    public IReadOnlyCollection<string>? LabelNames { get; init; }

    /// <summary>
    /// Label name to class (0 real, 1 fake). Default <see cref="DeepfakeBenchLabels.Standard"/>. A label missing from
    /// the mapping is an error that names it.
    /// </summary>
    public IReadOnlyDictionary<string, int> LabelMapping { get; init; } = DeepfakeBenchLabels.Standard;
}

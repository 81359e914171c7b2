namespace Sta.MLNet;

/// <summary>A file a dataset refers to (a frame, a landmark file, the dataset JSON itself) does not exist.</summary>
internal sealed class DatasetFileMissingException : StaException
{
    public DatasetFileMissingException(string path, string? referencedBy = null)
        : base(referencedBy is null
            ? $"File not found: {path}"
            : $"File not found: {path} (listed by {referencedBy})")
    {
        Path = path;
        ReferencedBy = referencedBy;
    }

    /// <summary>The missing file, resolved to the path that was looked for.</summary>
    public string Path { get; }

    /// <summary>What refers to the file (the dataset JSON and the video id), when known.</summary>
    public string? ReferencedBy { get; }
}

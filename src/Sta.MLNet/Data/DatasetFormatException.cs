namespace Sta.MLNet;

/// <summary>A dataset file (JSON, CSV, .npy, frame image) exists but its content is malformed or unusable.</summary>
public class DatasetFormatException : StaException
{
    public DatasetFormatException(string path, string message, Exception? innerException = null)
        : base($"{message} (file: {path})", innerException)
    {
        Path = path;
    }

    /// <summary>The offending file.</summary>
    public string Path { get; }
}

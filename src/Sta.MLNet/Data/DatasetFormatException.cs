namespace Sta.MLNet;

/// <summary>A dataset file (JSON, CSV, .npy, frame image) exists but its content is malformed or unusable.</summary>
public class DatasetFormatException : StaException
{
    /// <param name="path">The offending file.</param>
    /// <param name="message">What is wrong with it (the file is appended to the message).</param>
    /// <param name="innerException">The parser's error, if any.</param>
    public DatasetFormatException(string path, string message, Exception? innerException = null)
        : base($"{message} (file: {path})", innerException)
    {
        Path = path;
    }

    /// <summary>The offending file.</summary>
    public string Path { get; }
}

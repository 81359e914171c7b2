namespace Sta.MLNet;

/// <summary>A file is not a well-formed NumPy .npy array of a supported element type.</summary>
internal sealed class NpyFormatException : DatasetFormatException
{
    public NpyFormatException(string path, string message) : base(path, message) { }
}

namespace Sta.MLNet;

/// <summary>
/// Common base of the exceptions Sta.MLNet throws for bad input (unreadable videos, malformed datasets, ...), so that
/// callers can catch everything the library rejects with one clause while still telling the cases apart by type.
/// </summary>
public class StaException : Exception
{
    /// <param name="message">What was rejected and why, naming the file where there is one.</param>
    public StaException(string message) : base(message) { }

    /// <param name="message">What was rejected and why, naming the file where there is one.</param>
    /// <param name="innerException">The underlying error (a parser's, OpenCV's, the file system's).</param>
    public StaException(string message, Exception? innerException) : base(message, innerException) { }
}

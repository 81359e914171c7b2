namespace Sta.MLNet;

/// <summary>
/// Common base of the exceptions Sta.MLNet throws for bad input (unreadable videos, malformed datasets, ...), so that
/// callers can catch everything the library rejects with one clause while still telling the cases apart by type.
/// </summary>
public class StaException : Exception
{
    public StaException(string message) : base(message) { }

    public StaException(string message, Exception? innerException) : base(message, innerException) { }
}

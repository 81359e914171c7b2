namespace Sta.MLNet;

/// <summary>A clip was requested by index and the video has fewer clips under the sampling protocol.</summary>
internal sealed class ClipIndexOutOfRangeException : StaException
{
    /// <param name="path">The video.</param>
    /// <param name="clipIndex">The requested clip.</param>
    /// <param name="clipCount">Clips the video has.</param>
    public ClipIndexOutOfRangeException(string path, int clipIndex, int clipCount)
        : base($"Clip {clipIndex} requested from {path}, which has {clipCount} clip(s) under the sampling protocol (valid: 0..{clipCount - 1}).")
    {
        Path = path;
        ClipIndex = clipIndex;
        ClipCount = clipCount;
    }

    /// <summary>The video.</summary>
    public string Path { get; }

    /// <summary>The requested clip.</summary>
    public int ClipIndex { get; }

    /// <summary>Clips the video has.</summary>
    public int ClipCount { get; }
}

namespace Sta.MLNet;

/// <summary>No frame of a clip has a detected face, so the clip cannot be aligned (see <see cref="FacelessClipHandling.Reject"/>).</summary>
public sealed class FacelessClipException : StaException
{
    /// <param name="path">The video (or first frame file) of the clip.</param>
    /// <param name="clipIndex">0-based index of the clip in its video.</param>
    /// <param name="firstFrame">Index of the clip's first frame in the video.</param>
    public FacelessClipException(string path, int clipIndex, int firstFrame)
        : base($"No face found in any frame of clip {clipIndex} (first frame {firstFrame}) of {path}.")
    {
        Path = path;
        ClipIndex = clipIndex;
        FirstFrame = firstFrame;
    }

    /// <summary>The video of the clip.</summary>
    public string Path { get; }

    /// <summary>0-based index of the clip in its video.</summary>
    public int ClipIndex { get; }

    /// <summary>Index of the clip's first frame in the video.</summary>
    public int FirstFrame { get; }
}

namespace Sta.MLNet;

/// <summary>The per-frame faces of one clip after the no-face policy.</summary>
/// <param name="Frames">One entry per input frame, in order.</param>
internal sealed record ClipFaces(IReadOnlyList<FrameFace> Frames)
{
    /// <summary>Frames in which the detector found no face (they borrowed a box, or the clip is face-less).</summary>
    public int FramesWithoutFace => Frames.Count(f => !f.Detected);

    /// <summary>No frame of the clip had a face: the clip cannot be aligned and should be reported, not scored.</summary>
    public bool IsFaceless => Frames.All(f => !f.Detected);
}

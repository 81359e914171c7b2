namespace Sta.MLNet;

/// <summary>
/// What happens to a clip in which no frame has a detected face (frames of a clip that do have one lend their box to
/// the others, see <see cref="ClipFacePolicy"/>).
/// </summary>
public enum FacelessClipHandling
{
    /// <summary>
    /// Default. The clip is not produced: a row-to-row transformer throws <see cref="FacelessClipException"/>; data views
    /// and the video scorer report it as an issue and skip it, so it is never scored.
    /// </summary>
    Reject = 0,

    /// <summary>
    /// The clip is produced from black frames (normalised like any clip), zero landmarks and the face-less flag set, so
    /// that row counts stay fixed; consumers must filter on the flag before scoring.
    /// </summary>
    EmitBlack = 1,
}

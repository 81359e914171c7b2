namespace Sta.MLNet;

/// <summary>What the front end found in one clip (the clip's pixels and landmarks go to caller-supplied buffers).</summary>
/// <param name="ClipIndex">0-based index of the clip in its video (time order).</param>
/// <param name="ClipCount">Clips of the video under the sampling protocol.</param>
/// <param name="FirstFrame">Index of the clip's first frame in the video (for extracted frames: its file's frame number).</param>
/// <param name="FacesFound">Frames of the clip in which a face was detected.</param>
/// <param name="FramesWithoutFace">Frames that borrowed a neighbour's face box (or all frames of a face-less clip).</param>
/// <param name="IsFaceless">No frame had a face; only produced with <see cref="FacelessClipHandling.EmitBlack"/>.</param>
internal readonly record struct FaceClipInfo(int ClipIndex, int ClipCount, int FirstFrame, int FacesFound, int FramesWithoutFace, bool IsFaceless);

namespace Sta.MLNet;

/// <summary>The face box used for one frame of a clip after the no-face policy (<see cref="ClipFacePolicy"/>).</summary>
/// <param name="FrameIndex">Position of the frame in the clip (0-based).</param>
/// <param name="Box">The box to landmark and align; null only when the whole clip is face-less.</param>
/// <param name="Detected">True when the face was detected in this frame; false when it was borrowed or is missing.</param>
/// <param name="SourceFrameIndex">Frame whose detection <paramref name="Box"/> is (this frame when detected); null when none.</param>
internal sealed record FrameFace(int FrameIndex, FaceBox? Box, bool Detected, int? SourceFrameIndex)
{
    /// <summary>True when the frame has a box to work with (detected or borrowed).</summary>
    public bool HasBox => Box is not null;
}


namespace Sta.MLNet;

/// <summary>One clip of a <see cref="PhotoVideo"/>: aligned RGB face crops and their landmarks.</summary>
/// <param name="VideoId">The video's id.</param>
/// <param name="ClipIndex">0-based position of the clip in its video.</param>
/// <param name="Frames">Aligned face crops, [T, S, S, 3] RGB uint8 (S = <see cref="PhotoMotionOptions.FaceSize"/>).</param>
/// <param name="Landmarks">The 68 dlib points of every frame in crop pixel coordinates (x, y), [T, 68, 2].</param>
/// <param name="FramesWithoutFace">Frames where the detector found no face and the nearest frame's box was used.</param>
internal sealed record PhotoMotionClip(string VideoId, int ClipIndex, RgbClip Frames, float[] Landmarks, int FramesWithoutFace);

namespace Sta.MLNet;

/// <summary>
/// One synthetic "video" filmed from a still photo: a camera and lighting path drawn from <paramref name="MotionSeed"/>,
/// cut into <paramref name="ClipCount"/> consecutive clips. Two videos of the same photo with different seeds move
/// differently; keep all clips of one video on the same side of a train/test split.
/// </summary>
/// <param name="PhotoPath">An image file OpenCV can read (PNG, JPEG, ...) showing one frontal face.</param>
/// <param name="VideoId">Groups the video's clips (video-level metrics, cross-validation by video).</param>
/// <param name="MotionSeed">Seeds the camera path, the lighting drift and the noise.</param>
/// <param name="ClipCount">Consecutive clips cut from the video (clip k covers frames kT..kT+T-1). Default 1.</param>
public sealed record PhotoVideo(string PhotoPath, string VideoId, ulong MotionSeed, int ClipCount = 1);

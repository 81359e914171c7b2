namespace Sta.MLNet;

/// <summary>The network's verdict on one clip of a video.</summary>
/// <param name="ClipIndex">0-based clip index in the video.</param>
/// <param name="FirstFrame">Index of the clip's first frame in the video.</param>
/// <param name="Score">logit(fake) - logit(real).</param>
/// <param name="Probability">Probability that the clip is fake (softmax of the two logits).</param>
/// <param name="FacesFound">Frames of the clip with a detected face.</param>
/// <param name="FramesWithoutFace">Frames that borrowed a neighbour's face box.</param>
public sealed record ClipScore(int ClipIndex, int FirstFrame, float Score, float Probability, int FacesFound, int FramesWithoutFace);

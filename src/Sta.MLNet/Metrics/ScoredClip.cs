
namespace Sta.MLNet;

/// <summary>One clip with its detector score, as <see cref="ClipScoreSheet"/> draws it.</summary>
/// <param name="Frames">The clip's frames, [T, H, W, 3] RGB uint8.</param>
/// <param name="Probability">P(fake) from the detector, in [0, 1].</param>
/// <param name="Label">True = fake, false = real, null = unknown.</param>
/// <param name="Title">A short caption (e.g. the video id).</param>
internal sealed record ScoredClip(RgbClip Frames, float Probability, bool? Label, string Title);

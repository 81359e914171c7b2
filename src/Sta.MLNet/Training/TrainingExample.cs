namespace Sta.MLNet;

/// <summary>One training clip as the training loop sees it.</summary>
/// <param name="RowIndex">Stable index of the row in its dataset (seeds its blending/augmentation draws).</param>
/// <param name="Clip">CLIP-normalised frames [T, 3, H, W].</param>
/// <param name="Label">True = fake.</param>
/// <param name="Landmarks">68 (x, y) points per frame [T, 68, 2] in clip pixel coordinates, or null.</param>
/// <param name="VideoId">Groups clips of one video (video-level metrics), or null.</param>
internal sealed record TrainingExample(long RowIndex, float[] Clip, bool Label, float[]? Landmarks, string? VideoId);

/// <summary>A source of training clips that can replay any epoch in the same order (what exact resume needs).</summary>
internal interface ITrainingData
{
    /// <summary>The examples of <paramref name="epoch"/> in that epoch's order, skipping the first <paramref name="skip"/>.
    /// The same (epoch, skip) must always give the same sequence.</summary>
    IEnumerable<TrainingExample> ReadEpoch(int epoch, long skip, CancellationToken cancellationToken);
}

/// <summary>Makes a fake twin of a real training clip (Video-level Blending), deterministically for a seed.</summary>
internal interface IFakeClipSynthesizer
{
    /// <summary>Returns the synthesized clip (normalised [T, 3, H, W]); the input is not modified.</summary>
    float[] Synthesize(TrainingExample real, ulong seed);
}

/// <summary>Applies one random augmentation, drawn once per clip, to all frames of a normalised clip in place.</summary>
internal interface IClipAugmenter
{
    void Augment(float[] clip, ulong seed);
}

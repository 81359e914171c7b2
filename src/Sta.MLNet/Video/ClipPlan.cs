namespace Sta.MLNet;

/// <summary>
/// The clips chosen for one video: each clip is the list of frame indices to decode, in clip order (indices may
/// repeat only in padded clips of short videos).
/// </summary>
/// <param name="FrameCount">Frames of the video (or entries of the extracted-frame list) the plan was made for.</param>
/// <param name="UsableFrameCount">Frames the protocol samples from (e.g. min(32, n) for DeepfakeBench).</param>
/// <param name="RequiredFrameCount">Usable frames one clip spans without padding.</param>
/// <param name="Clips">Frame indices per clip; empty when <see cref="IsTooShort"/>.</param>
/// <param name="IsPadded">True when the single clip was completed by <see cref="ShortVideoPolicy"/> padding.</param>
internal sealed record ClipPlan(
    int FrameCount, int UsableFrameCount, int RequiredFrameCount, IReadOnlyList<IReadOnlyList<int>> Clips, bool IsPadded)
{
    /// <summary>True when the video yields no clip (too few usable frames and <see cref="ShortVideoPolicy.Reject"/>, or no frame at all).</summary>
    public bool IsTooShort => Clips.Count == 0;

    /// <summary>Throws <see cref="VideoTooShortException"/> naming <paramref name="path"/> when the plan has no clip.</summary>
    public ClipPlan ThrowIfTooShort(string path) =>
        IsTooShort ? throw new VideoTooShortException(path, UsableFrameCount, RequiredFrameCount) : this;
}

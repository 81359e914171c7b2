namespace Sta.MLNet;

/// <summary>What clip sampling does with a video that has fewer usable frames than one clip spans.</summary>
public enum ShortVideoPolicy
{
    /// <summary>
    /// No clip: the plan says <see cref="ClipPlan.IsTooShort"/> (dataset readers report and skip the video, as
    /// DeepfakeBench skips videos with fewer than 8 frames). Default.
    /// </summary>
    Reject,

    /// <summary>One clip, completed by repeating the last usable frame: 0, 1, 2, 2, 2, 2, 2, 2 for 3 frames.</summary>
    RepeatLastFrame,

    /// <summary>One clip, completed by running back and forth (reflection without repeating the ends): 0, 1, 2, 1, 0, 1, 2, 1 for 3 frames.</summary>
    Mirror,
}

namespace Sta.MLNet;

/// <summary>How the trainer uses Video-level Blending (docs/design.md, "Video-level Blending choices").</summary>
public enum VideoBlendingMode
{
    /// <summary>No synthesized clips: train on the dataset's real and fake clips only.</summary>
    None,

    /// <summary>
    /// Mode (a), as the authors' internal VB dataset: only the dataset's REAL clips are used, each paired with a fresh VB
    /// twin (label fake) every epoch; dataset fakes are skipped. Needs only pristine videos.
    /// </summary>
    RealAndBlended,

    /// <summary>
    /// Mode (b), the default for FF++-style training: all dataset clips (real and fake) plus a fresh VB twin of every
    /// real clip each epoch.
    /// </summary>
    RealFakeAndBlended,
}

/// <summary>Optimizers the trainer offers.</summary>
internal enum StaOptimizerKind
{
    /// <summary>Adam with weight decay added to the gradient (classic L2), as the official training.</summary>
    AdamL2,

    /// <summary>AdamW (decoupled weight decay).</summary>
    AdamW,
}

namespace Sta.MLNet;

/// <summary>Layout of a real-vs-VB preview.</summary>
internal sealed record VbPreviewOptions
{
    /// <summary>Add a row with |VB - real| (largest channel difference, amplified). Default true.</summary>
    public bool IncludeDifferenceRow { get; init; } = true;

    /// <summary>Multiplier of the difference row (the ghosting is at most 1/4 opacity, so raw differences are faint).
    /// Default 8.</summary>
    public float DifferenceGain { get; init; } = 8f;

    /// <summary>Opacity of the mask colours over the real frame at mask value 1. Default 0.6.</summary>
    public float MaskOpacity { get; init; } = 0.6f;

    /// <summary>Write row labels ("real", "VB", "masks", "|VB-real|") into the first column. Default true.</summary>
    public bool Labels { get; init; } = true;

    /// <summary>Frames per second of a preview video. Default 4.</summary>
    public double VideoFramesPerSecond { get; init; } = 4;
}

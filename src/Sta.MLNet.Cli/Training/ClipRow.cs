namespace Sta.MLNet.Cli.Training;

/// <summary>One clip as the trainer reads it.</summary>
public sealed class ClipRow
{
    /// <summary>CLIP-normalised frames [T, 3, H, W].</summary>
    public float[] Clip { get; set; } = [];

    /// <summary>true = fake.</summary>
    public bool Label { get; set; }

    /// <summary>[T, 68, 2] landmark (x, y) in clip pixels.</summary>
    public float[] Landmarks { get; set; } = [];

    public string VideoId { get; set; } = "";
}

namespace Sta.MLNet;

/// <summary>Layout of <see cref="ClipScoreSheet"/>.</summary>
internal sealed record ClipScoreSheetOptions
{
    /// <summary>Frames shown per clip, evenly spaced over the clip (all when the clip is shorter). Default 4.</summary>
    public int FramesShown { get; init; } = 4;

    /// <summary>Side of a frame thumbnail in pixels (frames are resized, nearest-neighbour below 1x so pixels stay
    /// visible). Default 64.</summary>
    public int TileSize { get; init; } = 64;

    /// <summary>Most rows drawn; later clips are left out (the ROC panel still uses every clip). Default 32.</summary>
    public int MaxRows { get; init; } = 32;

    /// <summary>Decision threshold on P(fake), marked on every bar and used to colour a row right or wrong. Default 0.5.</summary>
    public double Threshold { get; init; } = 0.5;

    /// <summary>Draw the ROC curve and AUC of all clips when both classes are present. Default true.</summary>
    public bool IncludeRoc { get; init; } = true;

    internal void Validate()
    {
        if (FramesShown <= 0) throw new ArgumentException($"FramesShown must be positive; got {FramesShown}.");
        if (TileSize < 16) throw new ArgumentException($"TileSize must be at least 16; got {TileSize}.");
        if (MaxRows <= 0) throw new ArgumentException($"MaxRows must be positive; got {MaxRows}.");
        if (!(Threshold is >= 0 and <= 1)) throw new ArgumentException($"Threshold must be in [0, 1]; got {Threshold}.");
    }
}

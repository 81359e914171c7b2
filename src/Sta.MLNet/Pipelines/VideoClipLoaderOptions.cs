
namespace Sta.MLNet;

/// <summary>Options of <see cref="StaCatalog.ExtractFaceClip(Microsoft.ML.MLContext, VideoClipLoaderOptions)"/> and <see cref="StaCatalog.LoadVideoClips"/> (all saved with the fitted stage).</summary>
public sealed class VideoClipLoaderOptions
{
    /// <summary>Input text column holding video file paths. Default "VideoPath".</summary>
    public string PathColumnName { get; set; } = "VideoPath";

    /// <summary>
    /// Optional Int32 input column choosing which clip of each video a row gets (row-to-row mode). Default null: every row
    /// gets clip <see cref="ClipIndex"/>.
    /// </summary>
    public string? ClipIndexColumnName { get; set; }

    /// <summary>The clip each row gets when <see cref="ClipIndexColumnName"/> is null. Default 0 (the first clip).</summary>
    public int ClipIndex { get; set; }

    /// <summary>Output column names. Default <see cref="VideoClipColumns"/> defaults ("Clip", "Landmarks", ...).</summary>
    public VideoClipColumns Columns { get; set; } = new();

    /// <summary>Sampling, detector, landmarks, alignment and no-face rule. Default <see cref="FaceClipOptions"/> defaults.</summary>
    public FaceClipOptions FrontEnd { get; set; } = new();

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(PathColumnName, nameof(PathColumnName));
        if (ClipIndexColumnName is not null)
            ArgumentException.ThrowIfNullOrWhiteSpace(ClipIndexColumnName, nameof(ClipIndexColumnName));
        ArgumentOutOfRangeException.ThrowIfNegative(ClipIndex, nameof(ClipIndex));
        ArgumentNullException.ThrowIfNull(Columns, nameof(Columns));
        Columns.Validate();
        ArgumentNullException.ThrowIfNull(FrontEnd, nameof(FrontEnd));
        FrontEnd.Validate();
    }

    internal VideoClipLoaderOptions Clone() => new()
    {
        PathColumnName = PathColumnName, ClipIndexColumnName = ClipIndexColumnName, ClipIndex = ClipIndex, Columns = Columns,
        FrontEnd = FrontEnd,
    };
}


namespace Sta.MLNet;

/// <summary>
/// Settings of <see cref="StaCatalog.AddVideoBlendedFakes(Microsoft.ML.MLContext, Microsoft.ML.IDataView, VideoBlendingDataOptions?)"/>.
/// Column defaults match <see cref="PhotoMotionColumns"/> and the StA trainer.
/// </summary>
public sealed class VideoBlendingDataOptions
{
    /// <summary>CLIP-normalised clips, Vector&lt;Single&gt; with dimensions [T, 3, H, W]. Default "Clip".</summary>
    public string ClipColumnName { get; set; } = "Clip";

    /// <summary>Landmarks, Vector&lt;Single&gt; [T, points, 2] in clip pixels (68 or 81 points; the first 68 are used).
    /// Default "Landmarks".</summary>
    public string LandmarksColumnName { get; set; } = "Landmarks";

    /// <summary>Label: Boolean (true = fake) or Single/Double (&gt; 0 = fake). Default "Label".</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>Text video id; a synthetic row gets <see cref="VideoIdPrefix"/> + its source's id. Null, or a column that
    /// does not exist, leaves ids alone. Default "VideoId".</summary>
    public string? VideoIdColumnName { get; set; } = "VideoId";

    /// <summary>Prefix of a synthetic row's video id. Default "vb_".</summary>
    public string VideoIdPrefix { get; set; } = "vb_";

    /// <summary>Added Boolean column: true on synthetic rows. Default "IsSynthetic".</summary>
    public string IsSyntheticColumnName { get; set; } = "IsSynthetic";

    /// <summary>Added Int64 column: the clip key of the input row the row comes from (its own for input rows): the
    /// input row id folded to 64 bits, which also keys the blend's random draws. Default "SourceRowId".</summary>
    public string SourceRowIdColumnName { get; set; } = "SourceRowId";

    /// <summary>Seeds the blends: with the source row's key it fixes every draw, so equal seeds give equal fakes.
    /// Default 1024.</summary>
    public int Seed { get; set; } = 1024;

    /// <summary>Probability that a real row gets a synthetic twin, decided per row from (seed, row key). Default 1.</summary>
    public double Ratio { get; set; } = 1.0;

    /// <summary>Blending constants; null (default) = <see cref="VideoBlendOptions.ForFaceSize"/> of the clips' height
    /// (the authors' settings scaled from 224 px). Raise the draw ranges or mask sizes for a stronger artefact.</summary>
    public VideoBlendOptions? BlendOptions { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ClipColumnName, nameof(ClipColumnName));
        ArgumentException.ThrowIfNullOrWhiteSpace(LandmarksColumnName, nameof(LandmarksColumnName));
        ArgumentException.ThrowIfNullOrWhiteSpace(LabelColumnName, nameof(LabelColumnName));
        ArgumentException.ThrowIfNullOrWhiteSpace(IsSyntheticColumnName, nameof(IsSyntheticColumnName));
        ArgumentException.ThrowIfNullOrWhiteSpace(SourceRowIdColumnName, nameof(SourceRowIdColumnName));
        ArgumentNullException.ThrowIfNull(VideoIdPrefix, nameof(VideoIdPrefix));
        if (IsSyntheticColumnName == SourceRowIdColumnName)
            throw new ArgumentException($"IsSyntheticColumnName and SourceRowIdColumnName must differ; both are '{IsSyntheticColumnName}'.");
        if (!(Ratio is >= 0 and <= 1)) throw new ArgumentException($"Ratio must be in [0, 1]; got {Ratio}.");
        BlendOptions?.Validate();
    }
}

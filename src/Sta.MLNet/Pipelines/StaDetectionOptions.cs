
namespace Sta.MLNet;

/// <summary>How a fitted StA detector scores clips in an ML.NET pipeline.</summary>
public sealed class StaDetectionOptions
{
    /// <summary>Input column: CLIP-normalised clips, Vector&lt;Single&gt; [T, 3, H, W] (e.g. from the video front end or
    /// <see cref="StaCatalog.NormalizeClip"/>). Default "Clip".</summary>
    public string ClipColumnName { get; set; } = "Clip";

    /// <summary>Output: logit_fake − logit_real (Single); positive means fake. Default "Score".</summary>
    public string ScoreColumnName { get; set; } = "Score";

    /// <summary>Output: P(fake) = softmax(logits)[1] = sigmoid(Score) (Single). Default "Probability".</summary>
    public string ProbabilityColumnName { get; set; } = "Probability";

    /// <summary>Output: Score &gt; 0 (Boolean). Default "PredictedLabel".</summary>
    public string PredictedLabelColumnName { get; set; } = "PredictedLabel";

    /// <summary>Output per-frame class-token features [T, Width] under this name; null (default) = none.</summary>
    public string? FeaturesColumnName { get; set; }

    /// <summary>Clips per forward pass when a cursor scores many rows (PredictionEngine always uses 1). Default 8.</summary>
    public int BatchSize { get; set; } = 8;

    /// <summary>
    /// Cross-attention semantics at scoring time. Default <see cref="CrossAttentionBatchSemantics.PerClip"/>: scores do
    /// not depend on which clips share a batch. <see cref="CrossAttentionBatchSemantics.Literal"/> reproduces the official
    /// test script's batch-dependent scores (then BatchSize matters; use 8 for official numbers).
    /// </summary>
    public CrossAttentionBatchSemantics BatchSemantics { get; set; } = CrossAttentionBatchSemantics.PerClip;

    /// <summary>Run matmuls and convolutions in bf16 when the detector runs on CUDA (faster; scores differ by ~1e-3).</summary>
    public bool UseBf16OnCuda { get; set; }

    /// <summary>
    /// Run matmuls and convolutions in bf16 when the detector runs on the CPU. On CPUs with native bf16 arithmetic
    /// (AVX512-BF16, AMX) the official network scores about 3x faster than in float32 (docs/performance.md); on CPUs
    /// without it libtorch emulates bf16 and it is slower. Scores differ from float32 by ~1e-3. Default off.
    /// </summary>
    public bool UseBf16OnCpu { get; set; }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ClipColumnName, nameof(ClipColumnName));
        ArgumentException.ThrowIfNullOrWhiteSpace(ScoreColumnName, nameof(ScoreColumnName));
        ArgumentException.ThrowIfNullOrWhiteSpace(ProbabilityColumnName, nameof(ProbabilityColumnName));
        ArgumentException.ThrowIfNullOrWhiteSpace(PredictedLabelColumnName, nameof(PredictedLabelColumnName));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BatchSize, nameof(BatchSize));
        var names = new[] { ScoreColumnName, ProbabilityColumnName, PredictedLabelColumnName, FeaturesColumnName }.Where(n => n is not null).ToList();
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count)
            throw new ArgumentException("The StA output columns need distinct names.");
    }

    internal StaDetectionOptions Clone() => (StaDetectionOptions)MemberwiseClone();
}

using Microsoft.ML;

namespace Sta.MLNet;

/// <summary>Entry points of the StA trainer (on <see cref="MLContext"/>: ML.NET's catalogs do not expose their environment).</summary>
public static partial class StaCatalog
{
    /// <summary>
    /// The StA trainer with its documented defaults: official network (ViT-L/14, 14 blocks), adapter tuning with CLIP
    /// frozen, Adam lr 2e-4 + L2 5e-4, batch 8, Video-level Blending mode (b), clip augmentation.
    /// </summary>
    /// <param name="mlContext">The context (its seed does not matter: <see cref="StaTrainer.Options.Seed"/> does).</param>
    /// <param name="clipColumnName">CLIP-normalised clips [T, 3, H, W]. Default "Clip".</param>
    /// <param name="labelColumnName">Boolean label, true = fake. Default "Label".</param>
    /// <param name="landmarksColumnName">Landmarks for Video-level Blending; null turns blending off. Default "Landmarks".</param>
    /// <param name="epochs">Passes over the data. Default 30.</param>
    /// <param name="batchSize">Dataset clips per step. Default 8.</param>
    /// <param name="clipWeightsPath">CLIP visual weights to start from. Required: adapter tuning keeps the backbone frozen,
    /// and a random frozen backbone is refused (set <see cref="StaTrainer.Options.AllowRandomBackbone"/> through the
    /// options overload for a test or smoke run).</param>
    public static StaTrainer StaTrainer(this MLContext mlContext, string clipColumnName = "Clip", string labelColumnName = "Label",
        string? landmarksColumnName = "Landmarks", int epochs = 30, int batchSize = 8, string? clipWeightsPath = null) =>
        mlContext.StaTrainer(new StaTrainer.Options
        {
            ClipColumnName = clipColumnName,
            LabelColumnName = labelColumnName,
            LandmarksColumnName = landmarksColumnName,
            VideoBlending = landmarksColumnName is null ? VideoBlendingMode.None : VideoBlendingMode.RealFakeAndBlended,
            Epochs = epochs,
            BatchSize = batchSize,
            ClipWeightsPath = clipWeightsPath,
        });

    /// <summary>The StA trainer with explicit options.</summary>
    public static StaTrainer StaTrainer(this MLContext mlContext, StaTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new StaTrainer(mlContext, options);
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;
using Sta.MLNet.Onnx.Export;

namespace Sta.MLNet.Onnx;

/// <summary>
/// ML.NET entry points for exported StA networks. They hang off <see cref="MLContext"/> because ML.NET's catalogs do
/// not expose their environment to other assemblies.
/// </summary>
public static class StaOnnxCatalog
{
    /// <summary>
    /// Appends <c>Score</c>, <c>Probability</c> and <c>PredictedLabel</c> computed from the <paramref name="logitsColumnName"/>
    /// column of an exported StA network, the same columns as the TorchSharp detection stage. Nothing is learnt: <c>Fit</c>
    /// only checks the logits column. The fitted transformer is saved with the model (<see cref="Register"/> before loading).
    /// </summary>
    public static IEstimator<ITransformer> StaScoresFromLogits(this MLContext mlContext, string logitsColumnName = StaOnnxGraphWriter.LogitsName,
        string scoreColumnName = "Score", string probabilityColumnName = "Probability", string predictedLabelColumnName = "PredictedLabel")
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        var transformer = new StaLogitsScoringTransformer(mlContext, logitsColumnName, scoreColumnName, probabilityColumnName, predictedLabelColumnName);
        return new StaLogitsScoringEstimator(mlContext, transformer, logitsColumnName);
    }

    /// <summary>
    /// The exported network in an ML.NET pipeline: copies <paramref name="clipColumnName"/> (CLIP-normalised clips,
    /// Vector&lt;Single&gt; of T·3·H·W) to the model's input column <c>clips</c>, runs <c>ApplyOnnxModel</c> on it, and
    /// appends Score, Probability and PredictedLabel (<see cref="StaScoresFromLogits"/>). Written out:
    /// <c>mlContext.Transforms.CopyColumns("clips", clipColumnName).Append(mlContext.Transforms.ApplyOnnxModel("logits", "clips", modelFile)).Append(mlContext.StaScoresFromLogits())</c>.
    /// ML.NET runs the ONNX model one row at a time.
    /// </summary>
    public static IEstimator<ITransformer> ApplyStaOnnxModel(this MLContext mlContext, string modelFile, string clipColumnName = "Clip")
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelFile);
        var transforms = mlContext.Transforms;
        return transforms.CopyColumns(StaOnnxGraphWriter.InputName, clipColumnName)
            .Append(transforms.ApplyOnnxModel([StaOnnxGraphWriter.LogitsName], [StaOnnxGraphWriter.InputName], modelFile))
            .Append(mlContext.StaScoresFromLogits());
    }

    /// <summary>
    /// Makes the stage of <see cref="StaScoresFromLogits"/> (and Sta.MLNet's own stages) loadable by <c>mlContext.Model.Load</c>.
    /// Call once per context before loading a saved pipeline that contains it.
    /// </summary>
    public static void Register(MLContext mlContext)
    {
        StaMLNet.Register(mlContext);
        StaMLNet.RegisterStage<StaLogitsScoringTransformer>(mlContext);
    }
}

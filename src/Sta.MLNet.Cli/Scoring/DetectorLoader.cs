using Microsoft.ML;
using Microsoft.ML.Data;
using Sta.MLNet.Cli.Infrastructure;
using Sta.MLNet;

namespace Sta.MLNet.Cli.Scoring;

/// <summary>Gets the detection stage from a checkpoint (with a preset) or from a saved ML.NET model.</summary>
internal static class DetectorLoader
{
    public static MLContext Context(int? gpu) => new(seed: 0) { GpuDeviceId = gpu, FallbackToCpu = gpu is null };

    /// <summary>The detection stage, a description, and the front-end options saved in the model (null for checkpoints
    /// and for models without a video clip loading stage).</summary>
    public static (StaDetectionTransformer Detector, string Description, FaceClipOptions? SavedFrontEnd) Load(MLContext mlContext, string? checkpoint,
        string? model, string preset)
    {
        if ((checkpoint is null) == (model is null))
            throw new UsageException("Give exactly one of --checkpoint FILE (with --preset) and --model FILE.zip.");
        if (checkpoint is not null)
        {
            CommonOptions.RequireFile(checkpoint, "Checkpoint");
            var network = CommonOptions.ResolvePreset(preset);
            return (mlContext.LoadStaDetector(checkpoint, network), $"checkpoint {checkpoint} (preset {preset.ToLowerInvariant()})", null);
        }
        CommonOptions.RequireFile(model!, "Model");
        var loaded = StaMLNet.LoadModel(mlContext, model!, out _);
        var detector = FindDetector(loaded)
            ?? throw new UsageException($"The model {model} has no StA detection stage (stages: {string.Join(", ", Stages(loaded).Select(s => s.GetType().Name))}).");
        var frontEnd = Stages(loaded).OfType<VideoClipLoadingTransformer>().LastOrDefault()?.Options.FrontEnd;
        return (detector, frontEnd is null ? $"model {model}" : $"model {model} (with its saved face front end)", frontEnd);
    }

    /// <summary>The transformers of a model, chains flattened, in order.</summary>
    public static IEnumerable<ITransformer> Stages(ITransformer model)
    {
        if (model is IEnumerable<ITransformer> chain)
        {
            foreach (var inner in chain)
                foreach (var stage in Stages(inner))
                    yield return stage;
        }
        else
        {
            yield return model;
        }
    }

    private static StaDetectionTransformer? FindDetector(ITransformer model) =>
        Stages(model).OfType<StaDetectionTransformer>().LastOrDefault();
}

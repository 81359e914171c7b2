using Sta.MLNet.Cli.Faces;
using Sta.MLNet.MLNet;
using Sta.MLNet.Scoring;
using Sta.MLNet.Video;

namespace Sta.MLNet.Cli.Scoring;

/// <summary>
/// A loaded detection stage with the scoring options the CLI's sampling and face model choices give at the network's
/// clip shape (a model's saved front end takes precedence, so clips are made as the model was set up to see them).
/// Shared by <c>score</c>, <c>explain</c> and <c>serve</c>.
/// </summary>
/// <param name="Stage">The detection stage; <see cref="Release"/> frees it.</param>
/// <param name="Options">Scoring options for it.</param>
/// <param name="Description">Names the model in outputs.</param>
internal sealed record ScoringModel(StaDetectionTransformer Stage, VideoScoringOptions Options, string Description)
{
    /// <param name="bf16">Switches bf16 on for either device; false keeps what a saved model says (float32 for checkpoints).</param>
    public static ScoringModel Load(int? gpu, string? checkpoint, string? model, string preset, ClipSamplingOptions sampling, FaceSettings faces,
        int workers, bool bf16 = false)
    {
        var mlContext = DetectorLoader.Context(gpu);
        var (stage, description, savedFrontEnd) = DetectorLoader.Load(mlContext, checkpoint, model, preset);
        try
        {
            if (bf16)
            {
                stage.SetBf16(onCuda: true, onCpu: true);
                description += ", bf16";
            }
            var network = stage.Detector.Options;
            var options = LibraryVideoScorer.Options(sampling, faces, network.NumFrames, network.InputResolution, workers);
            if (savedFrontEnd is not null) options = options with { FrontEnd = savedFrontEnd };
            return new ScoringModel(stage, options, description);
        }
        catch
        {
            stage.ReleaseNetwork();
            throw;
        }
    }

    /// <summary>Frees the network's native memory.</summary>
    public void Release() => Stage.ReleaseNetwork();
}

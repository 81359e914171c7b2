using System.CommandLine;
using Sta.MLNet.Cli.Faces;
using Sta.MLNet.Cli.Infrastructure;

namespace Sta.MLNet.Cli.Scoring;

/// <summary>
/// The options that choose a model and how its clips are made (checkpoint or model, preset, device, bf16, sampling,
/// face models, alignment size), read the same way by every verb that scores videos one at a time (explain, serve).
/// </summary>
internal sealed class ModelChoice
{
    public Option<string?> Checkpoint { get; } = CommonOptions.Checkpoint();
    public Option<string?> Model { get; } = CommonOptions.Model();
    public Option<string> Preset { get; } = CommonOptions.Preset();
    public Option<int?> Gpu { get; } = CommonOptions.Gpu();
    public Option<bool> Bf16 { get; } = CommonOptions.Bf16();
    public Option<string> Sampling { get; } = CommonOptions.Sampling();
    public Option<int?> Clips { get; } = CommonOptions.Clips();
    public Option<string> Detector { get; } = CommonOptions.FaceDetector();
    public Option<string> Landmarks { get; } = CommonOptions.LandmarksModel();
    public Option<int> Alignment { get; } = CommonOptions.AlignmentSize();

    /// <summary>Adds the options to <paramref name="command"/>, after those it has, in the order --help lists them.</summary>
    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { Checkpoint, Model, Preset, Gpu, Bf16, Sampling, Clips, Detector, Landmarks, Alignment })
            command.Options.Add(option);
    }

    /// <summary>The checkpoint or model file given (one of them is required by the loader).</summary>
    public string? File(ParseResult parse) => parse.GetValue(Model) ?? parse.GetValue(Checkpoint);

    /// <summary>
    /// Loads the model with the chosen sampling and face models. The face models are opened first, so a missing one
    /// fails before the network is loaded, with the package to install.
    /// </summary>
    public ScoringModel Load(ParseResult parse, int workers)
    {
        var sampling = CommonOptions.ResolveSampling(parse.GetValue(Sampling)!, parse.GetValue(Clips));
        var faces = CommonOptions.ResolveFaces(parse, Detector, Landmarks, Alignment);
        FaceCropper.Create(faces).Dispose();
        return ScoringModel.Load(parse.GetValue(Gpu), parse.GetValue(Checkpoint), parse.GetValue(Model), parse.GetValue(Preset)!, sampling, faces,
            workers, parse.GetValue(Bf16));
    }
}

using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>Which parameters train.</summary>
internal enum StaTuningMode
{
    /// <summary>
    /// The paper's adapter tuning: CLIP frozen; adapters, temporal embedding, ln_post and the head train
    /// (46,625,794 parameters for the official preset).
    /// </summary>
    AdapterTuning,

    /// <summary>Every parameter trains (what the released training script does, 223.8 M for the official preset).</summary>
    FullFineTuning,
}

/// <summary>Applies a <see cref="StaTuningMode"/> by setting <c>requires_grad</c> on every parameter.</summary>
internal static class StaParameterGroups
{
    /// <summary>True for the parameters the paper trains (name-based, like the official commented-out rule).</summary>
    public static bool IsAdapterTuned(string parameterName) =>
        parameterName.StartsWith("head.", StringComparison.Ordinal) ||
        parameterName.Contains(".Adapter.", StringComparison.Ordinal) ||
        parameterName == "backbone.temporal_embedding" ||
        parameterName.StartsWith("backbone.ln_post.", StringComparison.Ordinal);

    /// <summary>Sets <c>requires_grad</c> per <paramref name="mode"/>; returns the trainable parameter count.</summary>
    public static long Apply(StaDetector detector, StaTuningMode mode)
    {
        long trainable = 0;
        foreach (var (name, parameter) in detector.named_parameters())
        {
            bool train = mode == StaTuningMode.FullFineTuning || IsAdapterTuned(name);
            parameter.requires_grad = train;
            if (train) trainable += parameter.numel();
        }
        return trainable;
    }

    /// <summary>The parameters that currently require gradients (what an optimizer should receive).</summary>
    public static IReadOnlyList<Tensor> Trainable(StaDetector detector) =>
        detector.parameters().Where(p => p.requires_grad).Cast<Tensor>().ToList();
}

using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// Heat maps of where a StA detector finds the evidence for "fake" in a clip, pixel by pixel and frame by frame
/// (docs/explanations.md). The reference is the clip with every frame replaced by the clip's temporal mean: the same
/// face with all frame-to-frame change removed, which is the change Video-level Blending teaches StA to notice. A
/// pixel's heat is its first-order share of the score difference between the clip and that reference:
/// ReLU(sum over RGB of (clip - reference) x d score / d clip), with score = logit(fake) - logit(real), the quantity
/// P(fake) is a function of. One forward and one backward pass per clip.
/// Several explainers (and scorers) may share one detector on different threads; gradients are enabled only on the
/// explaining thread, for the clip, never for the weights.
/// </summary>
internal sealed class ClipExplainer
{
    private readonly StaDetector _detector;
    private readonly Device _device;

    /// <summary>An explainer for a fitted or loaded detection stage (its network and device).</summary>
    public ClipExplainer(StaDetectionTransformer detector)
        : this((detector ?? throw new ArgumentNullException(nameof(detector))).Detector, detector.Device)
    {
    }

    /// <param name="detector">The network, in eval mode (dropout off, BatchNorm on running statistics) as for scoring.</param>
    /// <param name="device">Where <paramref name="detector"/> lives; default the CPU.</param>
    public ClipExplainer(StaDetector detector, Device? device = null)
    {
        _detector = detector ?? throw new ArgumentNullException(nameof(detector));
        _device = device ?? CPU;
    }

    /// <summary>Frames per clip (T).</summary>
    public int FramesPerClip => _detector.Options.NumFrames;

    /// <summary>Side of the network's input frames in pixels (S); maps have this size.</summary>
    public int ClipSize => _detector.Options.InputResolution;

    /// <summary>Side of the network's patches in pixels: the finest detail it tells apart as separate tokens.</summary>
    public int PatchSize => _detector.Options.PatchSize;

    /// <summary>
    /// The heat map of one CLIP-normalised clip [T, 3, S, S] (what the scorer's front end makes; see
    /// <see cref="ClipNormalization"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The clip does not have the network's shape.</exception>
    /// <exception cref="InvalidOperationException">The network's gradient is not finite for this clip.</exception>
    public ClipExplanation Explain(ReadOnlySpan<float> clip)
    {
        var network = _detector.Options;
        int frames = network.NumFrames, size = network.InputResolution;
        int expected = frames * 3 * size * size;
        if (clip.Length != expected)
            throw new ArgumentException($"The network takes clips of {expected} values ({frames}x3x{size}x{size}); got {clip.Length}.", nameof(clip));
        using var scope = NewDisposeScope();
        var input = HostBatch.Upload(HostBatch.Clips([clip.ToArray()], 1, network, pinned: false), _device); // [1, T, 3, S, S]
        // The mean in float64 is exact for identical frames, so a clip without any change has exactly no heat.
        var reference = input.to_type(ScalarType.Float64).mean([1], keepdim: true).to_type(input.dtype);
        var change = input.Subtract(reference);
        var probe = input.detach().requires_grad_(true);
        Tensor gradient;
        float score, probability;
        using (enable_grad())
        {
            using var output = _detector.forward(probe);
            var logits = output.Logits;
            var target = logits.select(1, 1).Subtract(logits.select(1, 0)).sum();
            // autograd.grad, not backward(): nothing accumulates in any weight's .grad, so a shared detector is left untouched.
            gradient = torch.autograd.grad([target], [probe])[0];
            score = target.detach().cpu().item<float>();
            probability = output.Probability.detach().cpu().data<float>()[0];
        }
        var heat = change.mul(gradient.to_type(change.dtype)).sum(2).relu().to_type(ScalarType.Float32).contiguous().cpu().data<float>().ToArray();
        float peak = 0;
        foreach (var value in heat)
        {
            if (!float.IsFinite(value))
                throw new InvalidOperationException("The network's gradient is not finite for this clip; no heat map can be made from it.");
            if (value > peak) peak = value;
        }
        if (peak > 0)
            for (int i = 0; i < heat.Length; i++) heat[i] /= peak;
        return new ClipExplanation(score, probability, frames, size, heat, peak);
    }
}


namespace Sta.MLNet;

/// <summary>
/// Makes Video-level Blending twins of normalised training clips with a <see cref="NormalizedClipBlender"/> keyed by the
/// given seed. Needs the example's landmarks.
/// One instance per training loop (not thread-safe).
/// </summary>
internal sealed class VideoBlendingSynthesizer : IFakeClipSynthesizer, IDisposable
{
    private readonly NormalizedClipBlender _blender;
    private readonly int _frames;
    private readonly int _size;

    /// <param name="network">Clip geometry (frames, resolution).</param>
    /// <param name="options">Blending constants; defaults scale with the resolution (the authors' 224 px values, docs/design.md, "Video-level Blending").</param>
    public VideoBlendingSynthesizer(StaNetworkOptions network, VideoBlendOptions? options = null)
    {
        _frames = network.NumFrames;
        _size = network.InputResolution;
        _blender = new NormalizedClipBlender(seed: 0x5642UL, options ?? VideoBlendOptions.ForFaceSize(_size));
    }

    public float[] Synthesize(TrainingExample real, ulong seed)
    {
        if (real.Landmarks is null)
            throw new InvalidLandmarksException($"Training row {real.RowIndex} has no landmarks; Video-level Blending needs 68 points per frame.");
        var result = new float[real.Clip.Length];
        _blender.Blend(real.Clip, _frames, _size, _size, real.Landmarks, real.Landmarks.Length / (2 * _frames), (long)seed, result);
        return result;
    }

    public void Dispose() => _blender.Dispose();
}

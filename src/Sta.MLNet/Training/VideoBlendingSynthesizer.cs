using Sta.MLNet.Blending;
using Sta.MLNet.Model;

namespace Sta.MLNet.Training;

/// <summary>
/// Makes Video-level Blending twins of normalised training clips: denormalise to RGB bytes (exact), blend with
/// <see cref="VideoBlender"/> keyed by the given seed, normalise again. Needs the example's landmarks.
/// One instance per training loop (not thread-safe).
/// </summary>
public sealed class VideoBlendingSynthesizer : IFakeClipSynthesizer, IDisposable
{
    private readonly VideoBlender _blender;
    private readonly int _frames;
    private readonly int _size;
    private byte[] _rgb = [];
    private byte[] _blended = [];

    /// <param name="network">Clip geometry (frames, resolution).</param>
    /// <param name="options">Blending constants; defaults scale with the resolution (spec 4.2 at 224 px).</param>
    public VideoBlendingSynthesizer(StaNetworkOptions network, VideoBlendOptions? options = null)
    {
        _frames = network.NumFrames;
        _size = network.InputResolution;
        _blender = new VideoBlender(seed: 0x5642UL, options ?? VideoBlendOptions.ForFaceSize(_size));
    }

    public float[] Synthesize(TrainingExample real, ulong seed)
    {
        if (real.Landmarks is null)
            throw new InvalidLandmarksException($"Training row {real.RowIndex} has no landmarks; Video-level Blending needs 68 points per frame.");
        int length = _frames * _size * _size * 3;
        if (_rgb.Length != length)
        {
            _rgb = new byte[length];
            _blended = new byte[length];
        }
        ClipNormalization.Denormalize(real.Clip, _rgb, _frames, _size, _size);
        int points = real.Landmarks.Length / (2 * _frames);
        _blender.BlendClip(_rgb, _frames, _size, _size, real.Landmarks, points, (long)seed, _blended);
        var result = new float[real.Clip.Length];
        ClipNormalization.Normalize(_blended, result, _frames, _size, _size);
        return result;
    }

    public void Dispose() => _blender.Dispose();
}

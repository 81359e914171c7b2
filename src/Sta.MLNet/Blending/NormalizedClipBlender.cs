
namespace Sta.MLNet;

/// <summary>
/// Video-level Blending of clips in the network's layout (CLIP-normalised floats [T, 3, H, W]): denormalise to the
/// exact RGB bytes, blend with a <see cref="VideoBlender"/>, normalise again. The bytes before and after blending of
/// the last call stay available (<see cref="LastOriginal"/>, <see cref="LastBlended"/>) for callers that need to know
/// which values the blend changed. Reuses its buffers; not thread-safe — one per thread.
/// </summary>
internal sealed class NormalizedClipBlender : IDisposable
{
    private readonly VideoBlender _blender;
    private byte[] _original = [];
    private byte[] _blended = [];

    /// <param name="seed">Master seed of the blender's draws (each clip key gets its own stream).</param>
    /// <param name="options">Blending constants.</param>
    public NormalizedClipBlender(ulong seed, VideoBlendOptions options) => _blender = new VideoBlender(seed, options);

    /// <summary>RGB bytes [T, H, W, 3] of the last input clip.</summary>
    public ReadOnlySpan<byte> LastOriginal => _original;

    /// <summary>RGB bytes [T, H, W, 3] of the last blended clip.</summary>
    public ReadOnlySpan<byte> LastBlended => _blended;

    /// <summary>Blends <paramref name="clip"/> into <paramref name="output"/> (same layout and length).</summary>
    /// <exception cref="InvalidLandmarksException">Landmarks missing, of the wrong length, or not finite.</exception>
    public void Blend(ReadOnlySpan<float> clip, int frames, int height, int width, ReadOnlySpan<float> landmarks, int pointsPerFrame,
        long clipKey, Span<float> output)
    {
        int length = frames * 3 * height * width;
        if (_original.Length != length)
        {
            _original = new byte[length];
            _blended = new byte[length];
        }
        ClipNormalization.Denormalize(clip, _original, frames, height, width);
        _blender.BlendClip(_original, frames, height, width, landmarks, pointsPerFrame, clipKey, _blended);
        ClipNormalization.Normalize(_blended, output, frames, height, width);
    }

    public void Dispose() => _blender.Dispose();
}


namespace Sta.MLNet;

/// <summary>
/// Applies the clip-consistent augmentation (docs/design.md, "Augmentation") to normalised training clips (denormalise, augment with
/// <see cref="ClipAugmenter"/> keyed by the seed, normalise). One instance per training loop (not thread-safe).
/// </summary>
internal sealed class NormalizedClipAugmenter : IClipAugmenter, IDisposable
{
    private readonly ClipAugmenter _augmenter;
    private readonly int _frames;
    private readonly int _size;
    private byte[] _rgb = [];

    public NormalizedClipAugmenter(StaNetworkOptions network, ClipAugmentationOptions? options = null)
    {
        _frames = network.NumFrames;
        _size = network.InputResolution;
        _augmenter = new ClipAugmenter(seed: 0x4147UL, options);
    }

    public void Augment(float[] clip, ulong seed)
    {
        int length = _frames * _size * _size * 3;
        if (_rgb.Length != length) _rgb = new byte[length];
        ClipNormalization.Denormalize(clip, _rgb, _frames, _size, _size);
        _augmenter.Augment(_rgb, _frames, _size, _size, (long)seed, _rgb);
        ClipNormalization.Normalize(_rgb, clip, _frames, _size, _size);
    }

    public void Dispose() => _augmenter.Dispose();
}

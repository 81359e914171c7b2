namespace Sta.MLNet;

/// <summary>
/// Replays recorded draws, frame by frame, for every clip key (tests, fixture parity, reproducing a logged blend).
/// </summary>
internal sealed class ScriptedVbDrawSource : IVbDrawSource
{
    private readonly VbFrameDraw[] _frames;

    /// <param name="frames">Draw of frame 0, 1, ...; a clip may not have more frames than this list.</param>
    public ScriptedVbDrawSource(IEnumerable<VbFrameDraw> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        _frames = frames.ToArray();
        if (_frames.Length == 0) throw new ArgumentException("At least one frame draw is required.", nameof(frames));
    }

    /// <inheritdoc />
    public VbFrameDraw Draw(long clipKey, int frameIndex)
    {
        if ((uint)frameIndex >= (uint)_frames.Length)
            throw new ArgumentOutOfRangeException(nameof(frameIndex), frameIndex,
                $"The script holds draws for {_frames.Length} frame(s) only.");
        return _frames[frameIndex];
    }
}

namespace Sta.MLNet;

/// <summary>
/// Supplies the random draws of every frame. Implementations must be pure functions of (clip key, frame index) so
/// that a clip's blend does not depend on thread scheduling or on which clips were blended before.
/// </summary>
internal interface IVbDrawSource
{
    /// <summary>The draws for frame <paramref name="frameIndex"/> (0-based) of the clip identified by
    /// <paramref name="clipKey"/>.</summary>
    VbFrameDraw Draw(long clipKey, int frameIndex);
}

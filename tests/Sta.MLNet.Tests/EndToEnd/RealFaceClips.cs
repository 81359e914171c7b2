using Microsoft.ML;
using Sta.MLNet;
using Sta.MLNet.Tests.Data;

namespace Sta.MLNet.Tests.EndToEnd;

/// <summary>
/// Real-face clips at the tiny preset's size (8 frames, 32 px) from the two Debian face photos, generated once per test
/// class and cached in memory (20 clips, 2 MB): training videos use motion seeds 0..2, held-out videos 100..101, so
/// no video (and no camera path) is on both sides.
/// </summary>
public sealed class RealFaceClips
{
    /// <summary>Mild sensor noise: the real clips' own frame-to-frame jitter (alignment, lighting) stays realistic.</summary>
    public static readonly PhotoMotionOptions Motion = new() { FaceSize = 32, FrameCount = 8, NoiseSigma = 0.5 };

    public RealFaceClips()
    {
        Context = new MLContext(seed: 1);
        Train = Context.Data.Cache(Context.LoadPhotoMotionClips(Videos(firstSeed: 0, seeds: 3), Motion));
        HeldOut = Context.Data.Cache(Context.LoadPhotoMotionClips(Videos(firstSeed: 100, seeds: 2), Motion));
    }

    public MLContext Context { get; }

    /// <summary>12 real clips: 2 photos x 3 videos x 2 clips.</summary>
    public IDataView Train { get; }

    /// <summary>8 real clips of other videos: 2 photos x 2 videos x 2 clips.</summary>
    public IDataView HeldOut { get; }

    private static IEnumerable<PhotoVideo> Videos(int firstSeed, int seeds) =>
        Enumerable.Range(firstSeed, seeds).SelectMany(s => new[]
        {
            new PhotoVideo(FacePhotos.Astronaut, $"astronaut_{s}", (ulong)s, ClipCount: 2),
            new PhotoVideo(FacePhotos.Messi, $"messi_{s}", (ulong)s, ClipCount: 2),
        });
}

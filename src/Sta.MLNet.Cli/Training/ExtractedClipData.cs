using Sta.MLNet.Cli.Faces;
using Sta.MLNet.Data;
using Sta.MLNet.Model;
using Sta.MLNet.Video;

namespace Sta.MLNet.Cli.Training;

/// <summary>
/// The clips of a DeepfakeBench dataset split (extracted 256 px frames + landmark .npy files) as an ML.NET data view,
/// decoded lazily, one clip at a time, every time a cursor passes (nothing is cached: memory stays flat). Frames are
/// loaded as DeepfakeBench does (spec 5.3, bicubic to the network's resolution); landmarks are scaled alike and cut to
/// their first 68 points. Skipped videos (missing files, too short) are reported once through the callback.
/// </summary>
internal sealed class ExtractedClipData : ClipRowSource
{
    private readonly IReadOnlyList<ClipDescriptor> _clips;

    public ExtractedClipData(DeepfakeBenchDataset dataset, StaNetworkOptions network, bool withLandmarks, Action<DatasetIssue> onIssue)
        : base(network, withLandmarks)
    {
        var sampling = ClipSamplingOptions.DeepfakeBench with { FramesPerClip = network.NumFrames };
        // Planning only reads the JSON's lists and checks that files exist; it is done once, up front.
        _clips = dataset.EnumerateClips(sampling, onIssue, requireLandmarks: withLandmarks).ToList();
    }

    public override int ClipCount => _clips.Count;

    public IReadOnlyList<ClipDescriptor> Clips => _clips;

    public override IEnumerator<ClipRow> GetEnumerator()
    {
        using var loader = new ClipFrameLoader(Network.InputResolution);
        var size = Network.InputResolution;
        var frames = Network.NumFrames;
        var rgb = new byte[frames * size * size * 3];
        foreach (var clip in _clips)
        {
            yield return Load(loader, clip, rgb, frames, size);
        }
    }

    public ClipRow Load(ClipFrameLoader loader, ClipDescriptor clip, byte[] rgb, int frames, int size)
    {
        var images = loader.LoadFrames(clip);
        try
        {
            for (var t = 0; t < frames; t++)
                FaceCropper.CopyResized(images[t], size, rgb.AsSpan(t * size * size * 3, size * size * 3));
        }
        finally
        {
            foreach (var image in images) image.Dispose();
        }
        var values = new float[rgb.Length];
        ClipNormalization.Normalize(rgb, values, frames, size, size);
        var row = new ClipRow { Clip = values, Label = clip.Label != 0, VideoId = clip.VideoId };
        if (WithLandmarks)
        {
            var points = loader.LoadLandmarks(clip);
            var landmarks = new float[frames * FaceCropper.LandmarkPoints * 2];
            for (var t = 0; t < frames; t++)
            {
                for (var p = 0; p < FaceCropper.LandmarkPoints; p++)
                {
                    landmarks[(t * FaceCropper.LandmarkPoints + p) * 2] = points[t][p].X;
                    landmarks[(t * FaceCropper.LandmarkPoints + p) * 2 + 1] = points[t][p].Y;
                }
            }
            row.Landmarks = landmarks;
        }
        return row;
    }
}

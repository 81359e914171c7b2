using OpenCvSharp;
using Sta.MLNet.Cli.Faces;
using Sta.MLNet.Data;
using Sta.MLNet.Model;
using Sta.MLNet.Video;

namespace Sta.MLNet.Cli.Training;

/// <summary>
/// The clips of a folder of labelled videos (<c>root/real/**</c>, <c>root/fake/**</c>), decoded and face-aligned on
/// the fly each time they are read — the same front end as <c>sta score</c>, so training sees what scoring sees. Face
/// detection then runs in every epoch: for more than a few hundred clips, <c>sta preprocess</c> once and train on its
/// JSON instead. Clips without any face, and clips that do not decode, are reported once and left out.
/// </summary>
internal sealed class VideoFolderClipData : ClipRowSource
{
    private readonly IReadOnlyList<ClipDescriptor> _clips;
    private readonly FaceCropper _faces;
    private readonly Action<DatasetIssue> _onIssue;
    private readonly HashSet<(string, int)> _reported = [];
    private readonly CancellationToken _cancellationToken;

    public VideoFolderClipData(string root, StaNetworkOptions network, bool withLandmarks, FaceCropper faces, Action<DatasetIssue> onIssue,
        CancellationToken cancellationToken)
        : base(network, withLandmarks)
    {
        _faces = faces;
        _onIssue = onIssue;
        _cancellationToken = cancellationToken;
        var videos = VideoCollection.FromLabelFolders(root);
        var sampling = ClipSamplingOptions.DeepfakeBench with { FramesPerClip = network.NumFrames };
        // Planning opens each video once for its frame count; decoding happens when rows are read.
        _clips = VideoCollection.EnumerateClips(videos, sampling, onIssue).ToList();
    }

    public override int ClipCount => _clips.Count;

    public override IEnumerator<ClipRow> GetEnumerator()
    {
        using var loader = new ClipFrameLoader();
        var size = Network.InputResolution;
        foreach (var clip in _clips)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            CroppedClip? crop;
            Mat[] frames;
            try
            {
                frames = loader.LoadFrames(clip);
            }
            catch (VideoDecodeException error)
            {
                Report(clip, error);
                continue;
            }
            try
            {
                crop = _faces.CropClip(frames, size, _cancellationToken);
            }
            finally
            {
                foreach (var frame in frames) frame.Dispose();
            }
            if (crop is null)
            {
                Report(clip, new StaException($"No face in clip {clip.ClipIndex} of {clip.VideoPath}."));
                continue;
            }
            var values = new float[crop.Rgb.Length];
            ClipNormalization.Normalize(crop.Rgb, values, crop.FrameCount, size, size);
            yield return new ClipRow
            {
                Clip = values,
                Label = clip.Label != 0,
                VideoId = clip.VideoId,
                Landmarks = WithLandmarks ? crop.Landmarks : [],
            };
        }
    }

    private void Report(ClipDescriptor clip, StaException error)
    {
        if (_reported.Add((clip.VideoId, clip.ClipIndex)))
            _onIssue(new DatasetIssue(clip.VideoId, clip.VideoPath ?? "", error));
    }
}

using System.Diagnostics;
using OpenCvSharp;
using Sta.MLNet.Cli.Faces;
using Sta.MLNet.Evaluation;
using Sta.MLNet.MLNet;
using Sta.MLNet.Model;
using Sta.MLNet.Video;

namespace Sta.MLNet.Cli.Scoring;

/// <summary>
/// Scores a video with the library's parts: <see cref="VideoReader"/> decodes the frames of each clip that
/// <see cref="ClipSampler"/> plans, <see cref="FaceCropper"/> aligns the faces (256 px, resized to the network's
/// resolution), <see cref="ClipNormalization"/> normalises, and <see cref="StaDetectionTransformer.ScoreClip"/> scores.
/// The video's probability is the mean of its scored clips' probabilities (spec 7). Clips without any face, and
/// clips that do not decode (a truncated file), are reported and left out of the mean; a video without any scored clip is an error.
/// </summary>
internal sealed class FrontEndVideoScorer : IVideoScorer
{
    private readonly StaDetectionTransformer _detector;
    private readonly FaceCropper _faces;
    private readonly ClipSamplingOptions _sampling;
    private readonly int _frames;
    private readonly int _resolution;

    /// <param name="detector">The scoring stage (kept; released by <see cref="Dispose"/>).</param>
    /// <param name="faces">The face front end (owned).</param>
    /// <param name="sampling">Clip sampling; its frames per clip are set to the network's T.</param>
    public FrontEndVideoScorer(StaDetectionTransformer detector, FaceCropper faces, ClipSamplingOptions sampling, string modelDescription)
    {
        _detector = detector;
        _faces = faces;
        var network = detector.Detector.Options;
        _frames = network.NumFrames;
        _resolution = network.InputResolution;
        _sampling = sampling with { FramesPerClip = network.NumFrames };
        ModelDescription = modelDescription;
    }

    public string ModelDescription { get; }

    public VideoScoreResult Score(string path, string? label, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var decode = new Stopwatch();
        var faces = new Stopwatch();
        var model = new Stopwatch();
        var clips = new List<ClipScoreResult>();
        int? frameCount = null;
        double? fps = null;
        ScoreTimings Timings() => new(decode.Elapsed.TotalMilliseconds, faces.Elapsed.TotalMilliseconds, model.Elapsed.TotalMilliseconds, total.Elapsed.TotalMilliseconds);
        VideoScoreResult Failed(string error) => new(path, label, error, frameCount, fps, clips, null, null, Timings());

        try
        {
            decode.Start();
            using var reader = VideoReader.Open(path);
            decode.Stop();
            frameCount = reader.Info.FrameCount;
            fps = reader.Info.FramesPerSecond;
            var plan = ClipSampler.PlanVideo(reader.Info.FrameCount, _sampling, path);
            if (plan.IsTooShort)
                return Failed($"too short: {plan.UsableFrameCount} usable frame(s), a clip needs {plan.RequiredFrameCount}");

            var clipValues = new float[_frames * 3 * _resolution * _resolution];
            for (var c = 0; c < plan.Clips.Count; c++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var indices = plan.Clips[c];
                Mat[] images;
                decode.Start();
                try
                {
                    images = reader.ReadClip(indices);
                }
                catch (VideoDecodeException error)
                {
                    // A truncated or damaged file: the clips that decode are still worth scoring.
                    clips.Add(new ClipScoreResult(c, indices, null, null, 0, $"decode error: {error.Message}"));
                    continue;
                }
                finally
                {
                    decode.Stop();
                }
                CroppedClip? crop;
                try
                {
                    faces.Start();
                    crop = _faces.CropClip(images, _resolution, cancellationToken);
                    faces.Stop();
                }
                finally
                {
                    foreach (var image in images) image.Dispose();
                }
                if (crop is null)
                {
                    clips.Add(new ClipScoreResult(c, indices, null, null, 0, "no face"));
                    continue;
                }
                model.Start();
                ClipNormalization.Normalize(crop.Rgb, clipValues, _frames, _resolution, _resolution);
                var (score, probability) = _detector.ScoreClip(clipValues);
                model.Stop();
                clips.Add(new ClipScoreResult(c, indices, probability, score, crop.FramesWithFace, null));
            }
        }
        catch (StaException error)
        {
            return Failed(error.Message);
        }
        catch (IOException error)
        {
            return Failed(error.Message);
        }

        var scored = clips.Where(c => c.Probability is not null).ToList();
        if (scored.Count == 0)
            return Failed(clips.FirstOrDefault(c => c.Skipped!.StartsWith("decode error", StringComparison.Ordinal))?.Skipped
                          ?? $"no face found in any of the {clips.Count} clip(s)");
        // float64 sum in clip order, as VideoAggregation does.
        var mean = scored.Sum(c => c.Probability!.Value) / scored.Count;
        return new VideoScoreResult(path, label, null, frameCount, fps, clips, mean, BinaryScore.FromProbability(mean), Timings());
    }

    public void Dispose()
    {
        _faces.Dispose();
        _detector.ReleaseNetwork();
    }
}

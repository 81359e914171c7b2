using System.Diagnostics;
using Sta.MLNet.Clips;
using Sta.MLNet.MLNet;
using Sta.MLNet.Scoring;
using Sta.MLNet.Video;

namespace Sta.MLNet.Cli.Scoring;

/// <summary>
/// <see cref="IVideoScorer"/> over the library's <see cref="StaVideoScorer"/> (decode and face front end overlapping the
/// network, clips batched). Adds what the CLI reports beyond <see cref="VideoScore"/>: the video's frame count and
/// rate, and each clip's frame indices (the sampling plan is deterministic, so planning again gives the scorer's clips),
/// with the skipped clips listed in their place.
/// </summary>
internal sealed class LibraryVideoScorer : IVideoScorer
{
    private readonly StaDetectionTransformer _detector;
    private readonly StaVideoScorer _scorer;

    public LibraryVideoScorer(StaDetectionTransformer detector, VideoScoringOptions options, string modelDescription)
    {
        _detector = detector;
        _scorer = new StaVideoScorer(detector, options);
        ModelDescription = modelDescription;
    }

    public string ModelDescription { get; }

    public VideoScoreResult Score(string path, string? label, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var score = _scorer.ScoreVideoAsync(path, cancellationToken).GetAwaiter().GetResult();
        // The scorer reports what it read of the file; nothing is opened a second time here.
        int? frameCount = score.Error is null ? score.Info?.FrameCount : null;
        double? fps = score.Error is null ? score.Info?.FramesPerSecond : null;
        var plan = score.Plan;
        IReadOnlyList<int> FramesOf(int clip, int firstFrame) =>
            plan is not null && clip < plan.Clips.Count ? plan.Clips[clip] : [firstFrame];

        var clips = score.Clips
            .Select(c => (c.ClipIndex, Result: new ClipScoreResult(c.ClipIndex, FramesOf(c.ClipIndex, c.FirstFrame), c.Probability, c.Score, c.FacesFound, null)))
            .Concat(score.Issues.Select(i => (i.ClipIndex, Result: new ClipScoreResult(i.ClipIndex, FramesOf(i.ClipIndex, -1).Where(f => f >= 0).ToList(),
                null, null, 0, SkipReason(i.Error)))))
            .OrderBy(c => c.ClipIndex)
            .Select(c => c.Result)
            .ToList();
        string? error = score.Error?.Message;
        if (error is null && !score.IsScored)
            error = score.Issues.Count == 0 ? "no clip could be scored"
                : score.Issues.All(i => i.Error is FacelessClipException) ? $"no face found in any of the {score.Issues.Count} clip(s)"
                : $"no clip could be scored: {SkipReason(score.Issues.First(i => i.Error is not FacelessClipException).Error)}";
        double? probability = score.IsScored ? score.Clips.Average(c => (double)c.Probability) : null;
        var timings = new ScoreTimings(score.FrontEndTime.TotalMilliseconds, score.NetworkTime.TotalMilliseconds, total.Elapsed.TotalMilliseconds);
        return new VideoScoreResult(path, label, error, frameCount, fps, clips, error is null ? probability : null,
            error is null && probability is { } p ? Sta.MLNet.Evaluation.BinaryScore.FromProbability(p) : null, timings);
    }

    public void Dispose() => _detector.ReleaseNetwork();

    /// <summary>The documented <c>skipped</c> values: "no face", or "decode error: " + the decoder's message.</summary>
    private static string SkipReason(StaException error) => error switch
    {
        FacelessClipException => "no face",
        VideoDecodeException => $"decode error: {error.Message}",
        _ => error.Message,
    };

    /// <summary>Scoring options for the CLI's sampling and face model choices at the network's clip shape.</summary>
    public static VideoScoringOptions Options(ClipSamplingOptions sampling, Faces.FaceSettings faces, int framesPerClip, int clipSize)
    {
        var yunet = faces.DetectorModelPath.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);
        return new VideoScoringOptions
        {
            FrontEnd = new FaceClipOptions
            {
                Sampling = sampling with { FramesPerClip = framesPerClip },
                Detector = yunet ? FaceDetectorKind.YuNet : FaceDetectorKind.Cascade,
                Cascade = yunet ? new() : new() { ModelPath = faces.DetectorModelPath },
                YuNet = yunet ? new() { ModelPath = faces.DetectorModelPath } : null,
                ShapePredictorPath = faces.LandmarksModelPath,
                ClipSize = clipSize,
            },
        };
    }
}

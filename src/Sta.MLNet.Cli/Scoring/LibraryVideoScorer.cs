using Sta.MLNet.Clips;
using Sta.MLNet.MLNet;
using Sta.MLNet.Onnx;
using Sta.MLNet.Scoring;
using Sta.MLNet.Video;

namespace Sta.MLNet.Cli.Scoring;

/// <summary>
/// <see cref="IVideoScorer"/> over the library's <see cref="StaVideoScorer"/>: front-end workers decode and align
/// several videos at once while the network scores batches of their clips. Adds what the CLI reports beyond
/// <see cref="VideoScore"/>: each clip's frame indices from the video's sampling plan, with the skipped clips listed in
/// their place, and results in input order. The network is the TorchSharp detection stage or an ONNX model on ONNX
/// Runtime (<see cref="StaOnnxModel"/>); everything else is the same code.
/// </summary>
internal sealed class LibraryVideoScorer : IVideoScorer
{
    private readonly Func<VideoScoringOptions, StaVideoScorer> _createScorer;
    private readonly Action _release;
    private readonly Func<bool> _runsInBf16;
    private readonly VideoScoringOptions _options;

    public LibraryVideoScorer(StaDetectionTransformer detector, VideoScoringOptions options, string modelDescription)
        : this(o => new StaVideoScorer(detector, o), detector.ReleaseNetwork, () => detector.UsesBf16, options, modelDescription)
    {
    }

    public LibraryVideoScorer(StaOnnxModel model, VideoScoringOptions options, string modelDescription)
        : this(model.CreateVideoScorer, model.Dispose, () => false, options, modelDescription)
    {
    }

    private LibraryVideoScorer(Func<VideoScoringOptions, StaVideoScorer> createScorer, Action release, Func<bool> runsInBf16, VideoScoringOptions options,
        string modelDescription)
    {
        _createScorer = createScorer;
        _release = release;
        _runsInBf16 = runsInBf16;
        _options = options;
        ModelDescription = modelDescription;
    }

    public string ModelDescription { get; }

    public bool RunsInBf16 => _runsInBf16();

    public void ScoreAll(IReadOnlyList<LabelledVideo> videos, Action<VideoScoreResult> finished, CancellationToken cancellationToken)
    {
        var delivery = new InOrderDelivery<VideoScoreResult>(videos.Count, finished);
        var progress = new InlineProgress(p => delivery.Finished(p.LastVideoIndex, Convert(p.LastVideo, videos[p.LastVideoIndex].Label)));
        var scorer = _createScorer(_options with { Progress = progress });
        var scores = scorer.ScoreFilesAsync(videos.Select(v => v.Path), cancellationToken).GetAwaiter().GetResult();
        // Every video reports itself when it finishes; this only guards against one that did not.
        for (int i = delivery.Delivered; i < scores.Count; i++) delivery.Finished(i, Convert(scores[i], videos[i].Label));
    }

    /// <summary>The CLI's view of a video: the clips in plan order with the skipped ones in their place, and the video's error.</summary>
    private static VideoScoreResult Convert(VideoScore score, string? label)
    {
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
        var timings = new ScoreTimings(score.FrontEndTime.TotalMilliseconds, score.NetworkTime.TotalMilliseconds, score.WallTime.TotalMilliseconds);
        return new VideoScoreResult(score.Path, label, error, frameCount, fps, clips, error is null ? probability : null,
            error is null && probability is { } p ? Sta.MLNet.Evaluation.BinaryScore.FromProbability(p) : null, timings);
    }

    /// <summary>Reports on the reporting thread: <see cref="Progress{T}"/> would post to a synchronisation context.</summary>
    private sealed class InlineProgress(Action<VideoScoringProgress> report) : IProgress<VideoScoringProgress>
    {
        public void Report(VideoScoringProgress value) => report(value);
    }

    public void Dispose() => _release();

    /// <summary>The documented <c>skipped</c> values: "no face", or "decode error: " + the decoder's message.</summary>
    private static string SkipReason(StaException error) => error switch
    {
        FacelessClipException => "no face",
        VideoDecodeException => $"decode error: {error.Message}",
        _ => error.Message,
    };

    /// <summary>Scoring options for the CLI's sampling and face model choices at the network's clip shape.</summary>
    public static VideoScoringOptions Options(ClipSamplingOptions sampling, Faces.FaceSettings faces, int framesPerClip, int clipSize, int workers)
    {
        var yunet = faces.DetectorModelPath.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);
        return new VideoScoringOptions
        {
            FrontEndWorkers = workers,
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

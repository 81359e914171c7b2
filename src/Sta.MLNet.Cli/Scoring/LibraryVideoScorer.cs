using Sta.MLNet;
using Sta.MLNet.Onnx;

namespace Sta.MLNet.Cli.Scoring;

/// <summary>
/// <see cref="IVideoScorer"/> over the library's <see cref="StaVideoScorer"/>: front-end workers decode and align
/// several videos at once while the network scores batches of their clips. Adds what the CLI reports beyond
/// <see cref="VideoScore"/> (<see cref="VideoScoreResult.From"/>) and results in input order. The network is the
/// TorchSharp detection stage or an ONNX model on ONNX Runtime (<see cref="StaOnnxModel"/>); everything else is the
/// same code.
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
        var progress = new InlineProgress(p => delivery.Finished(p.LastVideoIndex, VideoScoreResult.From(p.LastVideo, videos[p.LastVideoIndex].Label)));
        var scorer = _createScorer(_options with { Progress = progress });
        var scores = scorer.ScoreFilesAsync(videos.Select(v => v.Path), cancellationToken).GetAwaiter().GetResult();
        // Every video reports itself when it finishes; this only guards against one that did not.
        for (int i = delivery.Delivered; i < scores.Count; i++) delivery.Finished(i, VideoScoreResult.From(scores[i], videos[i].Label));
    }

    /// <summary>Reports on the reporting thread: <see cref="Progress{T}"/> would post to a synchronisation context.</summary>
    private sealed class InlineProgress(Action<VideoScoringProgress> report) : IProgress<VideoScoringProgress>
    {
        public void Report(VideoScoringProgress value) => report(value);
    }

    public void Dispose() => _release();

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
                CascadeModelPath = yunet ? FaceModelPaths.HaarFrontalFaceAlt2 : faces.DetectorModelPath,
                YuNetModelPath = yunet ? faces.DetectorModelPath : null,
                ShapePredictorPath = faces.LandmarksModelPath,
                AlignmentSize = faces.AlignmentSize,
                ClipSize = clipSize,
            },
        };
    }
}

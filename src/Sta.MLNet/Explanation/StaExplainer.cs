
namespace Sta.MLNet;

/// <summary>Settings of <see cref="StaExplainer"/>.</summary>
public sealed record VideoExplanationOptions
{
    /// <summary>Heat maps are made for this many clips, those with the highest P(fake). Default 3; 0 = none.</summary>
    public int ExplainedClips { get; init; } = 3;

    /// <summary>
    /// Aligned faces are kept for at most this many clips (those with the highest P(fake)), which bounds memory on long
    /// videos with many clips (a 224 px clip of 8 frames is 1.2 MB). Default 64; at least <see cref="ExplainedClips"/>.
    /// </summary>
    public int MaxClipsWithFaces { get; init; } = 64;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ExplainedClips, nameof(ExplainedClips));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxClipsWithFaces, ExplainedClips, nameof(MaxClipsWithFaces));
    }
}

/// <summary>One scored clip with what shows why: its aligned faces and, for the most suspicious clips, a heat map.</summary>
/// <param name="Score">The clip's score, as in the video's <see cref="VideoScore.Clips"/>.</param>
/// <param name="Faces">The aligned faces exactly as the network saw them, [T, S, S, 3] RGB.</param>
/// <param name="HeatMap">Where the evidence for "fake" lies, or null for clips not explained.</param>
public sealed record ClipEvidence(ClipScore Score, RgbClip Faces, ClipExplanation? HeatMap);

/// <summary>A scored video and the evidence for its clips.</summary>
/// <param name="Score">The video's score, exactly what <see cref="StaVideoScorer"/> returns for it.</param>
/// <param name="Clips">Evidence for the scored clips that kept their faces (<see cref="VideoExplanationOptions.MaxClipsWithFaces"/>), in clip order; empty when the video failed.</param>
public sealed record VideoExplanation(VideoScore Score, IReadOnlyList<ClipEvidence> Clips);

/// <summary>
/// Explains StA scores with heat maps of where the evidence for "fake" lies, pixel by pixel and frame by frame
/// (docs/explanations.md). <see cref="ExplainVideoAsync"/> scores a video with <see cref="StaVideoScorer"/>, keeps the
/// aligned faces of the clips as the network saw them and explains the clips with the highest P(fake), in one pass of
/// the front end; a bad video comes back with the scorer's error and no evidence, never as an exception.
/// <see cref="Explain"/> explains one clip that is already CLIP-normalised (e.g. a row of a clip data view).
/// </summary>
public sealed class StaExplainer
{
    private readonly StaDetectionTransformer _detector;
    private readonly VideoScoringOptions _scoring;
    private readonly VideoExplanationOptions _options;
    private readonly ClipExplainer _explainer;

    /// <param name="detector">The detection stage (shared with other scorers and explainers is fine).</param>
    /// <param name="scoring">Front end and scoring settings (as for <see cref="StaVideoScorer"/>); its own
    /// <see cref="VideoScoringOptions.ClipScored"/> and <see cref="VideoScoringOptions.Progress"/> are not used.</param>
    /// <param name="options">How many clips to explain and keep faces for.</param>
    public StaExplainer(StaDetectionTransformer detector, VideoScoringOptions? scoring = null, VideoExplanationOptions? options = null)
    {
        _detector = detector ?? throw new ArgumentNullException(nameof(detector));
        _scoring = (scoring ?? new VideoScoringOptions()) with { ClipScored = null, Progress = null };
        _options = options ?? new VideoExplanationOptions();
        _options.Validate();
        // Checks the clip shape against the network now rather than at the first video.
        _ = new StaVideoScorer(_detector, _scoring);
        _explainer = new ClipExplainer(detector);
    }

    /// <summary>Frames per clip (T).</summary>
    public int FramesPerClip => _explainer.FramesPerClip;

    /// <summary>Side of the network's input frames in pixels (S); heat maps have this size.</summary>
    public int ClipSize => _explainer.ClipSize;

    /// <summary>Side of the network's patches in pixels: the finest detail it tells apart as separate tokens (pass it to
    /// <see cref="StaPictures.WriteHeatMapStrip"/>).</summary>
    public int PatchSize => _explainer.PatchSize;

    /// <summary>
    /// The heat map of one CLIP-normalised clip [T, 3, S, S]: ReLU of the first-order share of each pixel in the score
    /// difference between the clip and the clip with every frame replaced by its temporal mean. One forward and one
    /// backward pass.
    /// </summary>
    /// <exception cref="ArgumentException">The clip does not have the network's shape.</exception>
    /// <exception cref="InvalidOperationException">The network's gradient is not finite for this clip.</exception>
    public ClipExplanation Explain(ReadOnlySpan<float> clip) => _explainer.Explain(clip);

    /// <summary>The scoring settings.</summary>
    public VideoScoringOptions ScoringOptions => _scoring;

    /// <summary>The explanation settings.</summary>
    public VideoExplanationOptions Options => _options;

    /// <summary>
    /// Scores and explains <paramref name="path"/>. Progress runs from 0 to 1: the clips scored out of those planned, then
    /// the heat maps. The heat maps are computed on the calling thread after scoring.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled through <paramref name="cancellationToken"/>.</exception>
    public async Task<VideoExplanation> ExplainVideoAsync(string path, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var scoringShare = _options.ExplainedClips > 0 ? 0.8 : 1.0;
        var collector = new FaceCollector(_options.MaxClipsWithFaces, _explainer.FramesPerClip, _explainer.ClipSize, scoringShare, progress);
        var scorer = new StaVideoScorer(_detector, _scoring with { ClipScored = collector.Observe });
        var score = await scorer.ScoreVideoAsync(path, cancellationToken).ConfigureAwait(false);
        if (score.Error is not null || !score.IsScored)
        {
            progress?.Report(1);
            return new VideoExplanation(score, []);
        }
        var kept = collector.Kept();
        var explained = kept
            .OrderByDescending(k => k.Score.Probability).ThenBy(k => k.Score.ClipIndex)
            .Take(_options.ExplainedClips)
            .Select(k => k.Score.ClipIndex)
            .ToHashSet();
        var clip = new float[_explainer.FramesPerClip * 3 * _explainer.ClipSize * _explainer.ClipSize];
        var evidence = new List<ClipEvidence>(kept.Count);
        int done = 0;
        foreach (var (clipScore, faces) in kept.OrderBy(k => k.Score.ClipIndex))
        {
            ClipExplanation? heat = null;
            if (explained.Contains(clipScore.ClipIndex))
            {
                cancellationToken.ThrowIfCancellationRequested();
                // Normalising the kept bytes gives back the network's input exactly (the front end made it from bytes).
                ClipNormalization.Normalize(faces.Pixels, clip, faces.FrameCount, faces.Height, faces.Width);
                heat = _explainer.Explain(clip);
                done++;
                progress?.Report(scoringShare + (1 - scoringShare) * done / explained.Count);
            }
            evidence.Add(new ClipEvidence(clipScore, faces, heat));
        }
        progress?.Report(1);
        return new VideoExplanation(score, evidence);
    }

    /// <summary>Keeps the faces of the clips with the highest P(fake) as the network thread reports them.</summary>
    private sealed class FaceCollector(int capacity, int frames, int size, double scoringShare, IProgress<double>? progress)
    {
        private readonly object _gate = new();
        private readonly List<(ClipScore Score, RgbClip Faces)> _kept = [];
        private int _seen;

        public void Observe(int videoIndex, ClipScore score, int clipCount, ReadOnlySpan<float> clip)
        {
            lock (_gate)
            {
                _seen++;
                var weakest = -1;
                if (_kept.Count >= capacity)
                {
                    weakest = 0;
                    for (int i = 1; i < _kept.Count; i++)
                        if (_kept[i].Score.Probability < _kept[weakest].Score.Probability) weakest = i;
                    if (_kept[weakest].Score.Probability >= score.Probability) weakest = -2;
                }
                if (weakest != -2 && capacity > 0)
                {
                    var pixels = new byte[frames * size * size * 3];
                    ClipNormalization.Denormalize(clip, pixels, frames, size, size);
                    var entry = (score, new RgbClip(pixels, frames, size, size));
                    if (weakest >= 0) _kept[weakest] = entry;
                    else _kept.Add(entry);
                }
                progress?.Report(scoringShare * Math.Min(1.0, (double)_seen / Math.Max(1, clipCount)));
            }
        }

        public List<(ClipScore Score, RgbClip Faces)> Kept()
        {
            lock (_gate) return [.. _kept];
        }
    }
}

using Sta.MLNet.Clips;
using Sta.MLNet.Evaluation;
using Sta.MLNet.Video;

namespace Sta.MLNet.Scoring;

/// <summary>One clip of a scored video, as reports show it (<c>sta score</c>, the scoring service; <see cref="ScoreJson"/>).</summary>
/// <param name="Index">0-based clip index in time order.</param>
/// <param name="Frames">Video frame indices of the clip.</param>
/// <param name="Probability">P(fake); null when the clip was not scored (no face).</param>
/// <param name="Score">logit_fake - logit_real; null when not scored.</param>
/// <param name="FramesWithFace">Frames in which a face was detected.</param>
/// <param name="Skipped">Why the clip was not scored (null when it was).</param>
public sealed record ClipScoreResult(int Index, IReadOnlyList<int> Frames, double? Probability, double? Score, int FramesWithFace, string? Skipped);

/// <summary>Where the time of one video went, in milliseconds.</summary>
/// <param name="FrontEndMs">Decoding, face detection, landmarks and alignment of the video's clips.</param>
/// <param name="ModelMs">The video's share of the network time.</param>
/// <param name="TotalMs">Wall time from start to result.</param>
public sealed record ScoreTimings(double FrontEndMs, double ModelMs, double TotalMs);

/// <summary>
/// The outcome of scoring one video as reports show it (the <c>sta.score/1</c> video object written by
/// <see cref="ScoreJson"/>): every planned clip in time order, the skipped ones with the reason, the mean of the scored
/// clips, or the error that stopped the video. Made from a <see cref="VideoScore"/> by <see cref="From"/>.
/// </summary>
/// <param name="Path">The video file.</param>
/// <param name="Label">"real"/"fake" when a folder of that name contains the file; null otherwise.</param>
/// <param name="Error">Null on success; otherwise what went wrong (the video has no score).</param>
/// <param name="FrameCount">Frames of the video, when it could be opened.</param>
/// <param name="FramesPerSecond">Average frame rate, when it could be opened.</param>
/// <param name="Probability">Mean of the scored clips' P(fake).</param>
/// <param name="Score">logit of <paramref name="Probability"/> (ML.NET's Score convention).</param>
public sealed record VideoScoreResult(
    string Path,
    string? Label,
    string? Error,
    int? FrameCount,
    double? FramesPerSecond,
    IReadOnlyList<ClipScoreResult> Clips,
    double? Probability,
    double? Score,
    ScoreTimings Timings)
{
    public bool Succeeded => Error is null;

    /// <summary>Clips that were scored.</summary>
    public int ScoredClipCount => Clips.Count(c => c.Probability is not null);

    /// <summary>Frames (over all clips) in which a face was detected.</summary>
    public int FramesWithFace => Clips.Sum(c => c.FramesWithFace);

    /// <summary>Frames looked at (over all clips).</summary>
    public int FramesExamined => Clips.Sum(c => c.Frames.Count);

    /// <summary>
    /// The report of <paramref name="score"/>: the clips in plan order with the skipped ones in their place (each with
    /// its frame indices from the video's sampling plan), and an <see cref="Error"/> also when no clip could be scored.
    /// </summary>
    /// <param name="score">What <see cref="StaVideoScorer"/> returned for the video.</param>
    /// <param name="label">"real"/"fake" when known (e.g. from folder names); null otherwise.</param>
    public static VideoScoreResult From(VideoScore score, string? label = null)
    {
        ArgumentNullException.ThrowIfNull(score);
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
        var error = ErrorOf(score);
        double? probability = score.IsScored ? score.Clips.Average(c => (double)c.Probability) : null;
        var timings = new ScoreTimings(score.FrontEndTime.TotalMilliseconds, score.NetworkTime.TotalMilliseconds, score.WallTime.TotalMilliseconds);
        return new VideoScoreResult(score.Path, label, error, frameCount, fps, clips, error is null ? probability : null,
            error is null && probability is { } p ? BinaryScore.FromProbability(p) : null, timings);
    }

    /// <summary>
    /// Why <paramref name="score"/> has no video score, in the words reports use, or null when it has one: the video's
    /// own error, or (no clip scored) "no face found in any of the N clip(s)" or "no clip could be scored: ...".
    /// </summary>
    public static string? ErrorOf(VideoScore score)
    {
        ArgumentNullException.ThrowIfNull(score);
        if (score.Error is not null) return score.Error.Message;
        if (score.IsScored) return null;
        return score.Issues.Count == 0 ? "no clip could be scored"
            : score.Issues.All(i => i.Error is FacelessClipException) ? $"no face found in any of the {score.Issues.Count} clip(s)"
            : $"no clip could be scored: {SkipReason(score.Issues.First(i => i.Error is not FacelessClipException).Error)}";
    }

    /// <summary>The documented <c>skipped</c> values: "no face", or "decode error: " + the decoder's message.</summary>
    private static string SkipReason(StaException error) => error switch
    {
        FacelessClipException => "no face",
        VideoDecodeException => $"decode error: {error.Message}",
        _ => error.Message,
    };
}

namespace Sta.MLNet.Cli.Scoring;

/// <summary>One clip of a scored video.</summary>
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

/// <summary>The outcome of scoring one video: its clips and their mean, or the error that stopped it.</summary>
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
}

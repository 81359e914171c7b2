
namespace Sta.MLNet;

/// <summary>
/// The result for one video: its clip scores and the video score (mean of the clip probabilities, as StA's demo and
/// DeepfakeBench's video-level metrics compute it), or why it could not be scored.
/// </summary>
/// <param name="Path">The video file.</param>
/// <param name="Clips">Scored clips, in clip order; empty when the video failed (<paramref name="Error"/>), even if some clips were scored before the failure.</param>
/// <param name="ClipCount">Clips the sampling protocol planned; 0 when the video failed before planning.</param>
/// <param name="Issues">Clips that were skipped (decode failure, no face), with their typed errors.</param>
/// <param name="Error">
/// Why the whole video failed, or null: a typed library error (<see cref="VideoDecodeException"/> when it cannot be
/// opened, <see cref="VideoTooShortException"/>), or a <see cref="VideoScoringException"/> naming the step, the clip and
/// the exception of any other failure (OpenCV, I/O, face models, a network error or non-finite output on its clips).
/// </param>
/// <param name="FrontEndTime">Decode + face detection + landmarks + alignment time of this video's clips.</param>
/// <param name="NetworkTime">This video's share of the network time (each batch split evenly among its clips).</param>
public sealed record VideoScore(
    string Path, IReadOnlyList<ClipScore> Clips, int ClipCount, IReadOnlyList<ClipIssue> Issues, StaException? Error,
    TimeSpan FrontEndTime, TimeSpan NetworkTime)
{
    /// <summary>Frame count, fps and size of the video; null when it could not be opened.</summary>
    public VideoInfo? Info { get; init; }

    /// <summary>The clips the sampling protocol planned (frame indices per clip); null when the video failed first.</summary>
    internal ClipPlan? Plan { get; init; }

    /// <summary>
    /// Wall-clock time from the start of this video's front-end work to its last clip's result. Videos overlap when
    /// several front-end workers run, so these do not add up to the run's time.
    /// </summary>
    public TimeSpan WallTime { get; init; }

    /// <summary>True when at least one clip was scored.</summary>
    public bool IsScored => Clips.Count > 0;

    /// <summary>Mean probability of the scored clips (the video-level score); null when none was scored.</summary>
    public float? Probability => Clips.Count == 0 ? null : (float)Clips.Average(c => (double)c.Probability);

    /// <summary>Frames with a detected face over the scored clips.</summary>
    public int FacesFound => Clips.Sum(c => c.FacesFound);

    /// <summary>Frames without a detected face over the scored clips.</summary>
    public int FramesWithoutFace => Clips.Sum(c => c.FramesWithoutFace);
}

namespace Sta.MLNet;

/// <summary>
/// A video failed for a reason the library has no more specific type for: an exception from OpenCV, FFmpeg, the file
/// system, the face models or the network (kept as <see cref="Exception.InnerException"/>), or a network output that is
/// not a finite score. <see cref="StaVideoScorer"/> reports it as that video's <see cref="VideoScore.Error"/> and goes on
/// with the other videos; the message says which step failed, on which clip, and what was thrown.
/// </summary>
public sealed class VideoScoringException : StaException
{
    /// <param name="path">The video file.</param>
    /// <param name="stage">The step that failed.</param>
    /// <param name="clipIndex">The clip being made or scored, or null for a step on the whole video.</param>
    /// <param name="message">What failed (the file is appended to the message).</param>
    /// <param name="innerException">What was thrown, if anything.</param>
    public VideoScoringException(string path, VideoScoringStage stage, int? clipIndex, string message, Exception? innerException = null)
        : base($"{Describe(stage, clipIndex)} failed: {message} (video: {path})", innerException)
    {
        Path = path;
        Stage = stage;
        ClipIndex = clipIndex;
    }

    /// <summary>The video file.</summary>
    public string Path { get; }

    /// <summary>The step that failed.</summary>
    public VideoScoringStage Stage { get; }

    /// <summary>The clip being made or scored, or null for a step on the whole video (<see cref="VideoScoringStage.Open"/>, <see cref="VideoScoringStage.Plan"/>).</summary>
    public int? ClipIndex { get; }

    /// <summary>Wraps <paramref name="error"/>; its type is kept in the message, since "Parameter is invalid" alone does not say who threw it.</summary>
    internal static VideoScoringException From(string path, VideoScoringStage stage, int? clipIndex, Exception error) =>
        new(path, stage, clipIndex, $"{error.GetType().Name}: {error.Message}", error);

    private static string Describe(VideoScoringStage stage, int? clipIndex)
    {
        var clip = clipIndex is { } c ? $" clip {c}" : " the video";
        return stage switch
        {
            VideoScoringStage.Open => "Opening the video",
            VideoScoringStage.Plan => "Planning the video's clips",
            VideoScoringStage.Decode => $"Decoding{clip}",
            VideoScoringStage.Faces => $"Face alignment of{clip}",
            VideoScoringStage.Network => $"Network scoring of{clip}",
            _ => $"Step {stage} of{clip}",
        };
    }
}

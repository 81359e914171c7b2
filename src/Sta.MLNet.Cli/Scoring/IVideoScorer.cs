namespace Sta.MLNet.Cli.Scoring;

/// <summary>
/// Scores one video file: the seam between the <c>score</c>/<c>evaluate</c> verbs and the library's scorer
/// (<see cref="LibraryVideoScorer"/>), which tests replace with scripted results.
/// </summary>
internal interface IVideoScorer : IDisposable
{
    /// <summary>Describes the model (for the output's header).</summary>
    string ModelDescription { get; }

    /// <summary>
    /// Scores <paramref name="path"/>. Problems with the file (cannot decode, too short, no face) come back as
    /// <see cref="VideoScoreResult.Error"/>, never as exceptions; cancellation throws OperationCanceledException.
    /// </summary>
    VideoScoreResult Score(string path, string? label, CancellationToken cancellationToken);
}

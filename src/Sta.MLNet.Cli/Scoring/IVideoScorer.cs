using Sta.MLNet.Scoring;

namespace Sta.MLNet.Cli.Scoring;

/// <summary>
/// Scores video files: the seam between the <c>score</c>/<c>evaluate</c> verbs and the library's scorer
/// (<see cref="LibraryVideoScorer"/>), which tests replace with scripted results.
/// </summary>
internal interface IVideoScorer : IDisposable
{
    /// <summary>Describes the model (for the output's header).</summary>
    string ModelDescription { get; }

    /// <summary>Whether the network runs in bf16 (asked for, or saved with the model).</summary>
    bool RunsInBf16 => false;

    /// <summary>
    /// Scores <paramref name="videos"/>, several at a time where the scorer has several front-end workers, and hands each
    /// result to <paramref name="finished"/> in input order, as soon as it and every video before it are done. Problems
    /// with a file (cannot decode, too short, no face) come back as <see cref="VideoScoreResult.Error"/>, never as
    /// exceptions. Cancellation throws OperationCanceledException; the results handed over by then (a prefix of the
    /// input) are complete.
    /// </summary>
    void ScoreAll(IReadOnlyList<LabelledVideo> videos, Action<VideoScoreResult> finished, CancellationToken cancellationToken);
}

namespace Sta.MLNet.Cli.Scoring;

/// <summary>
/// Scores one video file. The seam between the <c>score</c>/<c>evaluate</c> verbs and the library: today
/// <see cref="FrontEndVideoScorer"/> composes the decoder, clip sampler, face front end and detection transformer;
/// the library's own video scorer can take its place without touching the verbs.
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

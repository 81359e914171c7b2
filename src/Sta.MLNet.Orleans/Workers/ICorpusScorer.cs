
namespace Sta.MLNet.Orleans;

/// <summary>
/// What a silo's workers score with. One instance per silo, shared by its workers (so one loaded network serves them
/// all). A video that cannot be scored should come back as an error result (<see cref="VideoResult.Succeeded"/> false);
/// an exception fails the videos it was thrown for, which the job then retries up to <see cref="CorpusJobOptions.MaxAttempts"/>.
/// </summary>
public interface ICorpusScorer
{
    /// <summary>One result per video of <paramref name="batch"/> (keyed by <see cref="CorpusWorkItem.Index"/>, in any order).</summary>
    Task<IReadOnlyList<VideoResult>> ScoreAsync(CorpusBatch batch, CancellationToken cancellationToken);
}

/// <summary>
/// Scores with the library's <see cref="StaVideoScorer"/>: the videos of a lease go through it together, so its
/// front-end workers overlap their decoding, and each result is the <c>sta.score/1</c> video object that <c>sta score</c>
/// writes for the same file.
/// </summary>
public sealed class StaCorpusScorer : ICorpusScorer
{
    private readonly StaVideoScorer _scorer;

    /// <param name="scorer">The scorer over the silo's loaded network (e.g. <see cref="StaVideoScorer.FromModel"/>).</param>
    public StaCorpusScorer(StaVideoScorer scorer) => _scorer = scorer ?? throw new ArgumentNullException(nameof(scorer));

    /// <inheritdoc />
    public async Task<IReadOnlyList<VideoResult>> ScoreAsync(CorpusBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var scores = await _scorer.ScoreFilesAsync(batch.Videos.Select(v => v.Path), cancellationToken).ConfigureAwait(false);
        var results = new VideoResult[batch.Videos.Count];
        for (var i = 0; i < results.Length; i++)
        {
            var video = batch.Videos[i];
            results[i] = VideoResult.FromReport(video.Index, VideoScoreResult.From(scores[i], video.Label), batch.Threshold);
        }
        return results;
    }
}

/// <summary>
/// Opens no file and runs no network: every video gets the same made-up score at once. It measures what the cluster
/// itself costs per video (leases, results, storage) and lets tests run jobs without a model.
/// </summary>
public sealed class NoOpCorpusScorer : ICorpusScorer
{
    /// <summary>The probability every video gets.</summary>
    public const double Probability = 0.25;

    /// <inheritdoc />
    public Task<IReadOnlyList<VideoResult>> ScoreAsync(CorpusBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<VideoResult>>(batch.Videos.Select(v => Result(v, batch.Threshold)).ToArray());
    }

    /// <summary>The result of <paramref name="video"/>: <see cref="Probability"/>, no clips, zero timings.</summary>
    public static VideoResult Result(CorpusWorkItem video, double threshold)
    {
        ArgumentNullException.ThrowIfNull(video);
        return VideoResult.FromReport(video.Index, VideoResult.Bare(video.Path, video.Label, error: null, Probability), threshold);
    }
}

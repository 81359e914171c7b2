using System.Text;
using System.Text.Json;

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
            var report = VideoScoreResult.From(scores[i], video.Label);
            var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer)) ScoreJson.WriteVideo(writer, report, batch.Threshold);
            results[i] = new VideoResult
            {
                Index = video.Index, Path = video.Path, Label = video.Label, Succeeded = report.Succeeded, Error = report.Error,
                Probability = report.Probability, Score = report.Score, Json = Encoding.UTF8.GetString(buffer.ToArray()),
            };
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
        var score = Math.Log(Probability / (1 - Probability));
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("path", video.Path);
            if (video.Label is null) w.WriteNull("label");
            else w.WriteString("label", video.Label);
            w.WriteString("status", "ok");
            w.WriteNull("error");
            w.WriteNull("frame_count");
            w.WriteNull("fps");
            w.WriteNumber("probability", Probability);
            w.WriteNumber("score", score);
            w.WriteString("prediction", Probability > threshold ? "fake" : "real");
            w.WriteNumber("clips_scored", 0);
            w.WriteStartObject("faces");
            w.WriteNumber("frames_examined", 0);
            w.WriteNumber("frames_with_face", 0);
            w.WriteEndObject();
            w.WriteStartObject("timings_ms");
            w.WriteNumber("front_end", 0);
            w.WriteNumber("model", 0);
            w.WriteNumber("total", 0);
            w.WriteEndObject();
            w.WriteStartArray("clips");
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return new VideoResult
        {
            Index = video.Index, Path = video.Path, Label = video.Label, Succeeded = true, Probability = Probability, Score = score,
            Json = Encoding.UTF8.GetString(buffer.ToArray()),
        };
    }
}

using System.Text;
using System.Text.Json;

namespace Sta.MLNet.Orleans;

/// <summary>One video of a corpus: a path that every silo can read, and its label when the manifest gives one.</summary>
[GenerateSerializer, Immutable]
public sealed record CorpusVideo
{
    /// <summary>The video file, as every silo sees it (a shared mount, or the same path on each machine).</summary>
    [Id(0)] public required string Path { get; init; }

    /// <summary>"real"/"fake" when known (manifest column, or a folder of that name); null otherwise.</summary>
    [Id(1)] public string? Label { get; init; }
}

/// <summary>How a corpus job is run. <see cref="Threshold"/> is part of the job's identity; the rest is not.</summary>
[GenerateSerializer, Immutable]
public sealed record CorpusJobOptions
{
    /// <summary>
    /// Leases a video gets at most. A lease ends without a result when the worker's silo is lost or the scorer throws
    /// for the video; after this many, the video gets an error result instead of going back to the queue.
    /// </summary>
    [Id(0)] public int MaxAttempts { get; init; } = 3;

    /// <summary>
    /// How long a worker holds a video without renewing its lease (workers renew at a third of it while they score);
    /// a lease not renewed in time, because its silo died or hangs, returns the video to the queue.
    /// </summary>
    [Id(1)] public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>P(fake) above which a video is called fake in the results' <c>prediction</c> field.</summary>
    [Id(2)] public double Threshold { get; init; } = 0.5;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a setting out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(LeaseDuration, TimeSpan.FromMilliseconds(100), nameof(LeaseDuration));
        if (!(Threshold is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(Threshold), Threshold, "The threshold is a probability.");
    }
}

/// <summary>A video handed to a scorer: its position in the manifest, where it is, and which attempt this is.</summary>
[GenerateSerializer, Immutable]
public sealed record CorpusWorkItem
{
    /// <summary>Position of the video in the job's manifest: the key of its one result.</summary>
    [Id(0)] public required int Index { get; init; }

    /// <summary>The video file.</summary>
    [Id(1)] public required string Path { get; init; }

    /// <summary>The manifest's label, or null.</summary>
    [Id(2)] public string? Label { get; init; }

    /// <summary>1 for the first lease of the video, 2 for its first retry, and so on.</summary>
    [Id(3)] public int Attempt { get; init; }
}

/// <summary>The videos of one lease, with the job settings a scorer needs.</summary>
/// <param name="JobId">The job the videos belong to.</param>
/// <param name="Threshold">The job's <see cref="CorpusJobOptions.Threshold"/>.</param>
/// <param name="Videos">The leased videos.</param>
public sealed record CorpusBatch(string JobId, double Threshold, IReadOnlyList<CorpusWorkItem> Videos);

/// <summary>
/// The one result of one video of a job: its <c>sta.score/1</c> video object (<see cref="Json"/>) and the fields a
/// summary needs. A video that could not be scored has a result too, with <see cref="Succeeded"/> false.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record VideoResult
{
    /// <summary>Position of the video in the manifest.</summary>
    [Id(0)] public required int Index { get; init; }

    /// <summary>The video file.</summary>
    [Id(1)] public required string Path { get; init; }

    /// <summary>The manifest's label, or null.</summary>
    [Id(2)] public string? Label { get; init; }

    /// <summary>True when the video has a score.</summary>
    [Id(3)] public bool Succeeded { get; init; }

    /// <summary>Why the video has no score (the scorer's words, or the cluster's: retries exhausted, worker lost).</summary>
    [Id(4)] public string? Error { get; init; }

    /// <summary>The video's P(fake), the mean over its scored clips.</summary>
    [Id(5)] public double? Probability { get; init; }

    /// <summary>logit of <see cref="Probability"/>.</summary>
    [Id(6)] public double? Score { get; init; }

    /// <summary>The video object of the <c>sta.score/1</c> layout (docs/cli.md), one line of JSON.</summary>
    [Id(7)] public required string Json { get; init; }

    /// <summary>The worker ("silo/number") whose result this is; null for errors the job itself decided.</summary>
    [Id(8)] public string? Worker { get; init; }

    /// <summary>The lease (1 = first) that produced the result.</summary>
    [Id(9)] public int Attempt { get; init; }

    /// <summary>
    /// The result of a report in the library's <c>sta.score/1</c> layout: every result, scored, failed or given up on,
    /// is written by the one writer <c>sta score</c> uses, so the files match.
    /// </summary>
    internal static VideoResult FromReport(int index, VideoScoreResult report, double threshold, int attempt = 0)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer)) ScoreJson.WriteVideo(writer, report, threshold);
        return new VideoResult
        {
            Index = index, Path = report.Path, Label = report.Label, Succeeded = report.Succeeded, Error = report.Error,
            Probability = report.Probability, Score = report.Score, Json = Encoding.UTF8.GetString(buffer.ToArray()),
            Attempt = attempt,
        };
    }

    /// <summary>A report with no frames, clips or timings: a video the job gave up on, or one a model-free scorer made up.</summary>
    internal static VideoScoreResult Bare(string path, string? label, string? error, double? probability) =>
        new(path, label, error, FrameCount: null, FramesPerSecond: null, Clips: [], probability,
            probability is { } p ? Math.Log(p / (1 - p)) : null, new ScoreTimings(0, 0, 0));
}

/// <summary>Where a job stands.</summary>
[GenerateSerializer, Immutable]
public sealed record CorpusJobProgress
{
    /// <summary>The job's id.</summary>
    [Id(0)] public required string JobId { get; init; }

    /// <summary>Videos in the manifest.</summary>
    [Id(1)] public int Total { get; init; }

    /// <summary>Videos with a score.</summary>
    [Id(2)] public int Succeeded { get; init; }

    /// <summary>Videos with an error result.</summary>
    [Id(3)] public int Failed { get; init; }

    /// <summary>Videos a worker holds a lease on now.</summary>
    [Id(4)] public int Leased { get; init; }

    /// <summary>True once the job was cancelled (videos without a result then keep none).</summary>
    [Id(5)] public bool Cancelled { get; init; }

    /// <summary>When the job was first submitted.</summary>
    [Id(6)] public DateTimeOffset SubmittedAt { get; init; }

    /// <summary>When the last video got its result or the job was cancelled; null while it runs.</summary>
    [Id(7)] public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Videos with a result, either way.</summary>
    public int Done => Succeeded + Failed;

    /// <summary>Videos waiting for a worker.</summary>
    public int Pending => Cancelled ? 0 : Total - Done - Leased;

    /// <summary>True when every video has its result or the job was cancelled: nothing more will happen.</summary>
    public bool IsFinished => FinishedAt is not null;
}

/// <summary>A finished or running job's figures: its progress, retries, and which workers produced its results.</summary>
[GenerateSerializer, Immutable]
public sealed record CorpusJobSummary
{
    /// <summary>Counts and state.</summary>
    [Id(0)] public required CorpusJobProgress Progress { get; init; }

    /// <summary>The job's settings.</summary>
    [Id(1)] public required CorpusJobOptions Options { get; init; }

    /// <summary>Leases beyond the first, over all videos: reruns after a lost worker or a scorer failure (videos handed back by a clean shutdown do not count).</summary>
    [Id(2)] public int Retries { get; init; }

    /// <summary>Results per silo (the part of <see cref="VideoResult.Worker"/> before the slash); errors the job decided count under "".</summary>
    [Id(3)] public IReadOnlyDictionary<string, int> ResultsBySilo { get; init; } = new Dictionary<string, int>();
}

/// <summary>What submitting a manifest did.</summary>
/// <param name="JobId">The job's id (the same for the same manifest and threshold).</param>
/// <param name="Attached">True when the job existed already (a rerun): nothing was started, the caller follows it.</param>
/// <param name="Progress">Where the job stands.</param>
public sealed record CorpusSubmission(string JobId, bool Attached, CorpusJobProgress Progress);

/// <summary>A silo of the cluster, as its membership table lists it.</summary>
/// <param name="Name">The silo's name.</param>
/// <param name="Address">Its address.</param>
/// <param name="Status">Active, Joining, ShuttingDown, Dead, ...</param>
public sealed record CorpusSilo(string Name, string Address, string Status);

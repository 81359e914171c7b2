namespace Sta.MLNet.Server;

/// <summary>Settings of the scoring service (<c>sta serve</c>); docs/serve.md describes each.</summary>
public sealed record StaServerOptions
{
    /// <summary>Addresses to listen on. Default http://127.0.0.1:5080 (loopback only: put a TLS proxy in front to publish it).</summary>
    public IReadOnlyList<string> Urls { get; init; } = ["http://127.0.0.1:5080"];

    /// <summary>When set, every <c>/api/</c> request needs it in <c>X-Api-Key</c> (or <c>Authorization: Bearer</c>). Default none.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Jobs analysed at the same time, all sharing the one loaded network. Default 1.</summary>
    public int Workers { get; init; } = 1;

    /// <summary>Jobs waiting for a worker at most; a full queue answers 429 with Retry-After. Default 16.</summary>
    public int QueueCapacity { get; init; } = 16;

    /// <summary>Largest accepted video file in bytes; larger uploads get 413. Default 200 MiB.</summary>
    public long MaxUploadBytes { get; init; } = 200L * 1024 * 1024;

    /// <summary>How long a finished job's result stays available. Default one hour.</summary>
    public TimeSpan ResultRetention { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Finished jobs kept at most (the oldest go first), which bounds the memory results take. Default 200.</summary>
    public int MaxRetainedJobs { get; init; } = 200;

    /// <summary>Clips with the highest P(fake) that get heat maps. Default 3.</summary>
    public int ExplainedClips { get; init; } = 3;

    /// <summary>P(fake) above which a video is called fake. Default 0.5.</summary>
    public double Threshold { get; init; } = 0.5;

    /// <summary>Where uploads are stored while their job runs (a private sub-folder is made). Default the system's temporary folder.</summary>
    public string? TemporaryDirectory { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> (or its out-of-range kind) for a setting the service cannot run with.</summary>
    public void Validate()
    {
        if (Urls is null || Urls.Count == 0) throw new ArgumentException("At least one URL to listen on is needed.", nameof(Urls));
        if (ApiKey is { Length: 0 }) throw new ArgumentException("An API key cannot be empty.", nameof(ApiKey));
        ArgumentOutOfRangeException.ThrowIfLessThan(Workers, 1, nameof(Workers));
        ArgumentOutOfRangeException.ThrowIfLessThan(QueueCapacity, 1, nameof(QueueCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxUploadBytes, 1, nameof(MaxUploadBytes));
        if (ResultRetention <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ResultRetention), ResultRetention, "Results must be kept for some time.");
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRetainedJobs, 1, nameof(MaxRetainedJobs));
        ArgumentOutOfRangeException.ThrowIfNegative(ExplainedClips, nameof(ExplainedClips));
        if (Threshold is < 0 or > 1 || double.IsNaN(Threshold)) throw new ArgumentOutOfRangeException(nameof(Threshold), Threshold, "The threshold is a probability.");
    }
}

using System.Collections.Concurrent;
using Microsoft.ML.Runtime;

namespace Sta.MLNet;

/// <summary>
/// Shared bookkeeping of one clip data view: the issue list, counters, the caller's callback and progress, and a warning
/// line per issue on the MLContext log, so that a skipped video is never silent. Thread-safe (cursor sets report at once).
/// </summary>
internal sealed class ClipStreamReporter(IHost host, ClipStreamOptions? options)
{
    private readonly ConcurrentQueue<ClipIssue> _issues = new();
    private long _videos;
    private long _clips;
    private long _issueCount;

    public ClipStreamOptions Options { get; } = options ?? new ClipStreamOptions();

    public IReadOnlyCollection<ClipIssue> Issues => _issues;

    public void VideoOpened()
    {
        Interlocked.Increment(ref _videos);
        Report();
    }

    public void ClipProduced()
    {
        Interlocked.Increment(ref _clips);
        Report();
    }

    public void Issue(ClipIssue issue)
    {
        _issues.Enqueue(issue);
        Interlocked.Increment(ref _issueCount);
        using (var channel = host.Start("Clips"))
            channel.Warning($"Skipped {(issue.ClipIndex < 0 ? "video" : $"clip {issue.ClipIndex} of")} {issue.VideoId}: {issue.Error.Message}");
        Options.OnIssue?.Invoke(issue);
        Report();
    }

    private void Report() => Options.Progress?.Report(new ClipStreamProgress(
        Interlocked.Read(ref _videos), Interlocked.Read(ref _clips), Interlocked.Read(ref _issueCount)));
}

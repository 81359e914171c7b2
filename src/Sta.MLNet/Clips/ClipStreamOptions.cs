namespace Sta.MLNet;

/// <summary>Progress of a clip stream: counted per data view, all cursors together.</summary>
/// <param name="VideosOpened">Videos whose clips were planned.</param>
/// <param name="ClipsProduced">Rows delivered.</param>
/// <param name="Issues">Videos or clips skipped (each also reported to <see cref="ClipStreamOptions.OnIssue"/>).</param>
public readonly record struct ClipStreamProgress(long VideosOpened, long ClipsProduced, long Issues);

/// <summary>Reporting, cancellation and decoding threads of the data views that stream clips from videos (not saved with any model).</summary>
public sealed record ClipStreamOptions
{
    /// <summary>
    /// Receives every skipped video or clip as it happens (may be called from several cursor threads at once). Skipped
    /// items are also kept in the data view's <c>Issues</c> list and logged as warnings on the MLContext. Default null.
    /// </summary>
    public Action<ClipIssue>? OnIssue { get; init; }

    /// <summary>Receives cumulative counts after every row or issue. Default null.</summary>
    public IProgress<ClipStreamProgress>? Progress { get; init; }

    /// <summary>Checked before every row; cancelling makes MoveNext throw <see cref="OperationCanceledException"/>. Default none.</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>
    /// Threads that decode and align clips ahead of each cursor, each with its own decoder and face models. Rows, their
    /// order and the reported issues are the same as with one; memory grows by one clip buffer per clip in flight
    /// (twice this many). Default 1 (decoded on the cursor's thread, as read). With several workers, also turn off
    /// OpenCV's own thread pool (<c>OpenCvSharp.Cv2.SetNumThreads(1)</c>, a process-wide setting left to the application),
    /// so that the workers do not compete for it.
    /// </summary>
    public int DecodeWorkers { get; init; } = 1;

    internal void Validate() => ArgumentOutOfRangeException.ThrowIfLessThan(DecodeWorkers, 1, nameof(DecodeWorkers));
}

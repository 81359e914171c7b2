namespace Sta.MLNet.Clips;

/// <summary>
/// Decodes a fixed sequence of clips on several worker threads and hands the results out strictly in sequence order,
/// so a cursor over it yields the same rows, in the same order, as decoding one by one. Workers run at most
/// <c>lookahead</c> clips ahead of the consumer (memory stays bounded: one <see cref="ClipRowBuffer"/> per clip in
/// flight). A clip whose decoder throws a <see cref="StaException"/> comes back as that error, for the consumer to
/// report in order; any other exception is rethrown to the consumer. Not thread-safe for consumers: one cursor owns it.
/// </summary>
internal sealed class OrderedClipDecoder : IDisposable
{
    /// <summary>Decodes clip <c>position</c> into the buffer with the worker's own decoder state.</summary>
    public delegate FaceClipInfo DecodeClip(FaceClipExtractor extractor, int position, ClipRowBuffer row, CancellationToken cancellationToken);

    private readonly int _count;
    private readonly FaceClipOptions _options;
    private readonly DecodeClip _decode;
    private readonly Outcome?[] _outcomes;
    private readonly object _gate = new();
    private readonly SemaphoreSlim _window;
    private readonly CancellationTokenSource _stop;
    private readonly Task[] _workers;
    private readonly Stack<ClipRowBuffer> _spare = new();
    private int _nextToClaim = -1;
    private int _nextToHand;
    private ClipRowBuffer? _handedOut;
    private Exception? _fatal;
    private bool _disposed;

    public OrderedClipDecoder(int count, int workers, int lookahead, FaceClipOptions options, DecodeClip decode, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(lookahead, workers);
        _count = count;
        _options = options;
        _decode = decode;
        _outcomes = new Outcome?[count];
        _window = new SemaphoreSlim(lookahead);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _workers = Enumerable.Range(0, Math.Min(workers, Math.Max(1, count)))
            .Select(_ => Task.Factory.StartNew(Work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))
            .ToArray();
    }

    /// <summary>
    /// The next clip in sequence: its position and either its decoded row (valid until the next call) or the
    /// <see cref="StaException"/> that stopped it; false at the end.
    /// </summary>
    public bool TryNext(out int position, out ClipRowBuffer? row, out StaException? error)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_gate)
        {
            if (_handedOut is { } previous)
            {
                _spare.Push(previous);
                _handedOut = null;
            }
        }
        position = _nextToHand;
        row = null;
        error = null;
        if (position >= _count) return false;
        Outcome outcome;
        lock (_gate)
        {
            while (_outcomes[position] is null)
            {
                _stop.Token.ThrowIfCancellationRequested();
                if (_fatal is { } fatal) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(fatal).Throw();
                Monitor.Wait(_gate, TimeSpan.FromMilliseconds(200));
            }
            outcome = _outcomes[position]!;
            _outcomes[position] = null;
            _handedOut = outcome.Row;
        }
        _nextToHand++;
        _window.Release();
        if (outcome.Failure is { } failure) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        row = outcome.Row;
        error = outcome.Error;
        return true;
    }

    private void Work()
    {
        var token = _stop.Token;
        FaceClipExtractor extractor;
        try
        {
            extractor = new FaceClipExtractor(_options);
        }
        catch (Exception failure)
        {
            // Without its decoder a worker can claim nothing: the consumer must hear why instead of waiting.
            lock (_gate)
            {
                _fatal ??= failure;
                Monitor.PulseAll(_gate);
            }
            return;
        }
        using var owned = extractor;
        try
        {
            while (true)
            {
                _window.Wait(token);
                int position = Interlocked.Increment(ref _nextToClaim);
                if (position >= _count)
                {
                    _window.Release();
                    return;
                }
                ClipRowBuffer row;
                lock (_gate) row = _spare.Count > 0 ? _spare.Pop() : new ClipRowBuffer(_options);
                Outcome outcome;
                try
                {
                    row.Info = _decode(extractor, position, row, token);
                    outcome = new Outcome(row, null, null);
                }
                catch (StaException error)
                {
                    lock (_gate) _spare.Push(row);
                    outcome = new Outcome(null, error, null);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception failure)
                {
                    outcome = new Outcome(null, null, failure);
                }
                lock (_gate)
                {
                    _outcomes[position] = outcome;
                    Monitor.PulseAll(_gate);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stop.Cancel();
        try
        {
            Task.WaitAll(_workers);
        }
        catch (AggregateException)
        {
        }
        _stop.Dispose();
        _window.Dispose();
    }

    private sealed record Outcome(ClipRowBuffer? Row, StaException? Error, Exception? Failure);
}

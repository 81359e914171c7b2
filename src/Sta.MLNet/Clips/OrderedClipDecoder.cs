namespace Sta.MLNet;

/// <summary>
/// Decodes a sequence of clip jobs on several worker threads and hands the results out strictly in sequence order, so
/// a cursor over it yields the same rows, in the same order, as decoding one by one. The sequence may be open-ended: a
/// worker takes the next job from <see cref="ClaimJob"/> (called under a lock, so it may read a cursor) and the sequence
/// ends when that returns false. Workers run at most <c>lookahead</c> jobs ahead of the consumer (memory stays bounded:
/// one <see cref="ClipRowBuffer"/> per job in flight). A job whose decoder throws a <see cref="StaException"/> comes back
/// as that error, for the consumer to report in order; any other exception from decoding or from claiming is rethrown
/// to the consumer at that job's place in the sequence, after every job before it. Not thread-safe for consumers: one
/// cursor owns it.
/// </summary>
/// <typeparam name="TJob">What a worker needs to decode one clip.</typeparam>
internal sealed class OrderedClipDecoder<TJob> : IDisposable
{
    /// <summary>
    /// The next job of the sequence, or false at its end. <paramref name="extractor"/> is the calling worker's own (for
    /// work that needs a decoder, such as planning a video); calls are serialised.
    /// </summary>
    public delegate bool ClaimJob(FaceClipExtractor extractor, out TJob job);

    /// <summary>Decodes <paramref name="job"/> into the buffer with the worker's own decoder state.</summary>
    public delegate FaceClipInfo DecodeClip(FaceClipExtractor extractor, TJob job, ClipRowBuffer row, CancellationToken cancellationToken);

    private readonly FaceClipOptions _options;
    private readonly ClaimJob _claim;
    private readonly DecodeClip _decode;
    private readonly Dictionary<int, Outcome> _outcomes = [];
    private readonly object _gate = new();
    private readonly object _claimGate = new();
    private readonly SemaphoreSlim _window;
    private readonly CancellationTokenSource _stop;
    private readonly Task[] _workers;
    private readonly Stack<ClipRowBuffer> _spare = new();
    private int _claimed;
    private bool _sequenceEnded;
    private int _nextToHand;
    private ClipRowBuffer? _handedOut;
    private Exception? _fatal;
    private bool _disposed;

    public OrderedClipDecoder(int workers, int lookahead, FaceClipOptions options, ClaimJob claim, DecodeClip decode,
        CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(lookahead, workers);
        _options = options;
        _claim = claim;
        _decode = decode;
        _window = new SemaphoreSlim(lookahead);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _workers = Enumerable.Range(0, workers)
            .Select(_ => Task.Factory.StartNew(Work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))
            .ToArray();
    }

    /// <summary>
    /// The next job in sequence and either its decoded row (valid until the next call) or the
    /// <see cref="StaException"/> that stopped it; false at the end.
    /// </summary>
    public bool TryNext(out TJob job, out ClipRowBuffer? row, out StaException? error)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        job = default!;
        row = null;
        error = null;
        Outcome outcome;
        lock (_gate)
        {
            if (_handedOut is { } previous)
            {
                _spare.Push(previous);
                _handedOut = null;
            }
            int position = _nextToHand;
            while (!_outcomes.ContainsKey(position))
            {
                _stop.Token.ThrowIfCancellationRequested();
                if (_sequenceEnded && position >= _claimed) return false;
                if (_fatal is { } fatal) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(fatal).Throw();
                Monitor.Wait(_gate, TimeSpan.FromMilliseconds(200));
            }
            outcome = _outcomes[position];
            _outcomes.Remove(position);
            _handedOut = outcome.Row;
            _nextToHand++;
        }
        _window.Release();
        if (outcome.Failure is { } failure) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        job = outcome.Job;
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
                if (!TryClaim(extractor, out var position, out var job, out var claimFailure))
                {
                    _window.Release();
                    return;
                }
                if (claimFailure is not null)
                {
                    Publish(position, new Outcome(default!, null, null, claimFailure));
                    return;
                }
                ClipRowBuffer row;
                lock (_gate) row = _spare.Count > 0 ? _spare.Pop() : new ClipRowBuffer(_options);
                Outcome outcome;
                try
                {
                    row.Info = _decode(extractor, job, row, token);
                    outcome = new Outcome(job, row, null, null);
                }
                catch (StaException error)
                {
                    lock (_gate) _spare.Push(row);
                    outcome = new Outcome(job, null, error, null);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception failure)
                {
                    outcome = new Outcome(job, null, null, failure);
                }
                Publish(position, outcome);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Takes the next job and its position; false when the sequence has ended. A claim that throws ends the sequence,
    /// and its exception takes the next position, so the consumer meets it after every job claimed before it.
    /// </summary>
    private bool TryClaim(FaceClipExtractor extractor, out int position, out TJob job, out Exception? failure)
    {
        failure = null;
        job = default!;
        lock (_claimGate)
        {
            position = _claimed;
            if (_sequenceEnded) return false;
            bool claimed;
            try
            {
                claimed = _claim(extractor, out job);
            }
            catch (Exception error) when (error is not OperationCanceledException || !_stop.IsCancellationRequested)
            {
                failure = error;
                claimed = true;
            }
            lock (_gate)
            {
                if (claimed) _claimed++;
                if (!claimed || failure is not null)
                {
                    _sequenceEnded = true;
                    Monitor.PulseAll(_gate);
                }
            }
            return claimed;
        }
    }

    private void Publish(int position, Outcome outcome)
    {
        lock (_gate)
        {
            _outcomes[position] = outcome;
            Monitor.PulseAll(_gate);
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

    private sealed record Outcome(TJob Job, ClipRowBuffer? Row, StaException? Error, Exception? Failure);
}

/// <summary>Factories of <see cref="OrderedClipDecoder{TJob}"/>.</summary>
internal static class OrderedClipDecoder
{
    /// <summary>A decoder over the fixed sequence 0 .. <paramref name="count"/> - 1, with no more workers than jobs.</summary>
    public static OrderedClipDecoder<int> ForPositions(int count, int workers, FaceClipOptions options,
        OrderedClipDecoder<int>.DecodeClip decode, CancellationToken cancellationToken)
    {
        int next = 0;
        workers = Math.Min(workers, Math.Max(1, count));
        return new OrderedClipDecoder<int>(workers, 2 * workers, options,
            (FaceClipExtractor _, out int job) => (job = next++) < count, decode, cancellationToken);
    }
}

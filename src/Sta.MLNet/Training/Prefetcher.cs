using System.Collections.Concurrent;

namespace Sta.MLNet;

/// <summary>
/// Runs an enumeration on a background thread, keeping at most <c>capacity</c> items ready, so that CPU work (decoding,
/// blending, augmentation) of the next batches overlaps the network step of the current one. Items arrive in the
/// enumeration's order, so determinism does not depend on timing. An exception of the producer is rethrown to the
/// consumer; disposing stops the producer and disposes the items that were produced but never handed out (batches own
/// native memory).
/// </summary>
internal sealed class Prefetcher<T> : IDisposable
{
    private readonly BlockingCollection<T> _queue;
    private readonly CancellationTokenSource _stop;
    private readonly Task _producer;
    private readonly TimeProvider _clock;
    private Exception? _failure;
    private long _waitTicks;

    /// <param name="clock">Measures <see cref="WaitTime"/> (default: the system clock).</param>
    public Prefetcher(Func<CancellationToken, IEnumerable<T>> source, int capacity, CancellationToken cancellationToken, TimeProvider? clock = null)
    {
        _clock = clock ?? TimeProvider.System;
        _queue = new BlockingCollection<T>(capacity);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = _stop.Token;
        _producer = Task.Factory.StartNew(() =>
        {
            try
            {
                foreach (var item in source(token))
                {
                    if (token.IsCancellationRequested)
                    {
                        Release(item);
                        break;
                    }
                    try
                    {
                        _queue.Add(item, token);
                    }
                    catch
                    {
                        Release(item);
                        throw;
                    }
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                _failure = e;
            }
            finally
            {
                _queue.CompleteAdding();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        // Not StartNew(..., token): with a token that is already cancelled the task would never run, CompleteAdding would
        // never be called, and Items() would wait forever (a Ctrl+C before the first epoch, or during validation).
        // The producer observes the token itself.
    }

    /// <summary>
    /// How long the consumer has waited for items so far: time spent in <see cref="Items"/> with nothing ready (the
    /// producer is the bottleneck while this grows as fast as the clock). The clock is read only when the consumer has
    /// to wait: once as it starts waiting and once when an item (or the end) arrives.
    /// </summary>
    public TimeSpan WaitTime => TimeSpan.FromTicks(Interlocked.Read(ref _waitTicks));

    public IEnumerable<T> Items()
    {
        while (true)
        {
            if (!_queue.TryTake(out var item))
            {
                long started = _clock.GetTimestamp();
                bool taken = _queue.TryTake(out item, Timeout.Infinite);
                Interlocked.Add(ref _waitTicks, _clock.GetElapsedTime(started).Ticks);
                if (!taken) break;
            }
            yield return item!;
        }
        if (_failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(_failure).Throw();
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _producer.Wait();
        }
        catch (AggregateException)
        {
        }
        while (_queue.TryTake(out var undelivered)) Release(undelivered);
        _queue.Dispose();
        _stop.Dispose();
    }

    private static void Release(T item) => (item as IDisposable)?.Dispose();
}

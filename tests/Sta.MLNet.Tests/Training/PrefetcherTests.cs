using Sta.MLNet.Training;

namespace Sta.MLNet.Tests.Training;

public sealed class PrefetcherTests
{
    [Fact]
    public async Task An_already_cancelled_token_ends_the_items_instead_of_blocking()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();
        using var prefetcher = new Prefetcher<int>(_ => Enumerable.Range(0, 10), capacity: 2, cancellation.Token);
        var items = Task.Run(() => prefetcher.Items().ToList());
        var finished = await Task.WhenAny(items, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.True(finished == items, "Items() blocked on a prefetcher created with a cancelled token.");
        Assert.Empty(await items);
    }

    [Fact]
    public void Wait_time_counts_the_consumer_waiting_for_a_slow_producer_only()
    {
        static IEnumerable<int> Slow(CancellationToken token)
        {
            for (int i = 0; i < 5; i++)
            {
                Thread.Sleep(40);
                yield return i;
            }
        }
        using (var slow = new Prefetcher<int>(Slow, capacity: 2, CancellationToken.None))
        {
            Assert.Equal(5, slow.Items().Count());
            // The consumer had nothing to do but wait for 5 x 40 ms of production.
            Assert.True(slow.WaitTime >= TimeSpan.FromMilliseconds(150), $"waited {slow.WaitTime.TotalMilliseconds:F0} ms");
        }
        using var fast = new Prefetcher<int>(_ => Enumerable.Range(0, 10), capacity: 2, CancellationToken.None);
        foreach (var _ in fast.Items())
            Thread.Sleep(50); // the consumer is the slow side: items are ready whenever it asks
        Assert.True(fast.WaitTime < TimeSpan.FromMilliseconds(150), $"waited {fast.WaitTime.TotalMilliseconds:F0} ms of 500 ms of consumer work");
    }

    [Fact]
    public void Items_arrive_in_order_and_a_producer_failure_reaches_the_consumer()
    {
        using (var prefetcher = new Prefetcher<int>(_ => Enumerable.Range(0, 50), capacity: 2, CancellationToken.None))
            Assert.Equal(Enumerable.Range(0, 50), prefetcher.Items());

        static IEnumerable<int> Failing()
        {
            yield return 1;
            throw new InvalidDataException("broken row");
        }
        using var failing = new Prefetcher<int>(_ => Failing(), capacity: 2, CancellationToken.None);
        var error = Assert.Throws<InvalidDataException>(() => failing.Items().ToList());
        Assert.Equal("broken row", error.Message);
    }

    [Fact]
    public void Items_produced_but_never_handed_out_are_disposed_with_the_prefetcher()
    {
        var produced = new List<Tracked>();
        IEnumerable<Tracked> Source(CancellationToken token)
        {
            for (int i = 0; i < 100 && !token.IsCancellationRequested; i++)
            {
                var item = new Tracked();
                lock (produced) produced.Add(item);
                yield return item;
            }
        }
        var consumed = new List<Tracked>();
        using (var prefetcher = new Prefetcher<Tracked>(Source, capacity: 2, CancellationToken.None))
        {
            foreach (var item in prefetcher.Items())
            {
                using (item) consumed.Add(item);
                if (consumed.Count == 3) break;
            }
            // Let the producer fill the queue, so that some items are waiting when the consumer stops.
            SpinWait.SpinUntil(() => { lock (produced) return produced.Count >= 5; }, TimeSpan.FromSeconds(10));
        }
        Assert.True(produced.Count >= 5, "The producer did not run ahead of the consumer.");
        Assert.All(produced, item => Assert.Equal(1, item.Disposals));
    }

    private sealed class Tracked : IDisposable
    {
        public int Disposals;

        public void Dispose() => Interlocked.Increment(ref Disposals);
    }
}

using Sta.MLNet;

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
        // The guard only tells a hang from a pass; a passing run returns at once.
        var finished = await Task.WhenAny(items, Task.Delay(TimeSpan.FromMinutes(2)));
        Assert.True(finished == items, "Items() blocked on a prefetcher created with a cancelled token.");
        Assert.Empty(await items);
    }

    [Fact]
    public void Wait_time_is_the_time_the_consumer_spent_waiting_for_the_producer()
    {
        var clock = new ManualClock();
        // Each item costs the producer 40 ms, spent while the consumer waits: the producer starts item i only once the
        // consumer has started waiting for it (the prefetcher reads the clock as it starts and as it stops waiting).
        IEnumerable<int> Slow(CancellationToken token)
        {
            for (int i = 0; i < 5; i++)
            {
                int waitStarts = 2 * i + 1;
                clock.WaitForRead(c => c.Reads >= waitStarts, $"the consumer waiting for item {i}");
                clock.Advance(TimeSpan.FromMilliseconds(40));
                yield return i;
            }
        }
        using var slow = new Prefetcher<int>(Slow, capacity: 2, CancellationToken.None, clock);
        Assert.Equal(Enumerable.Range(0, 5), slow.Items());
        Assert.Equal(TimeSpan.FromMilliseconds(200), slow.WaitTime);
    }

    [Fact]
    public void Time_the_consumer_spends_on_its_own_work_is_not_wait_time()
    {
        var clock = new ManualClock();
        using var fast = new Prefetcher<int>(_ => Enumerable.Range(0, 10), capacity: 2, CancellationToken.None, clock);
        int consumed = 0;
        foreach (var _ in fast.Items())
        {
            clock.Advance(TimeSpan.FromMilliseconds(50)); // the consumer's work on the item; producing takes no time
            consumed++;
        }
        Assert.Equal(10, consumed);
        Assert.Equal(TimeSpan.Zero, fast.WaitTime);
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
        using var fiveProduced = new ManualResetEventSlim();
        IEnumerable<Tracked> Source(CancellationToken token)
        {
            for (int i = 0; i < 100 && !token.IsCancellationRequested; i++)
            {
                var item = new Tracked();
                lock (produced)
                {
                    produced.Add(item);
                    if (produced.Count == 5) fiveProduced.Set();
                }
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
            // Let the producer fill the queue, so that some items are waiting when the consumer stops (the guard only
            // tells a hang from a pass).
            Assert.True(fiveProduced.Wait(TimeSpan.FromMinutes(2)), "The producer did not run ahead of the consumer.");
        }
        Assert.All(produced, item => Assert.Equal(1, item.Disposals));
    }

    private sealed class Tracked : IDisposable
    {
        public int Disposals;

        public void Dispose() => Interlocked.Increment(ref Disposals);
    }
}

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
}

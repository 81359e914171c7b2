using Sta.MLNet.Cli.Scoring;

namespace Sta.MLNet.Cli.Tests;

public sealed class InOrderDeliveryTests
{
    [Fact]
    public void Results_finishing_out_of_order_are_delivered_in_input_order_once_each()
    {
        var delivered = new List<string>();
        var delivery = new InOrderDelivery<string>(4, delivered.Add);
        delivery.Finished(2, "c");
        delivery.Finished(1, "b");
        Assert.Empty(delivered);
        Assert.Equal(0, delivery.Delivered);
        delivery.Finished(0, "a");
        Assert.Equal(["a", "b", "c"], delivered);
        delivery.Finished(1, "b again");
        delivery.Finished(3, "d");
        Assert.Equal(["a", "b", "c", "d"], delivered);
        Assert.Equal(4, delivery.Delivered);
    }

    [Fact]
    public void Concurrent_finishes_deliver_every_result_in_order()
    {
        var delivered = new List<int>();
        var delivery = new InOrderDelivery<object>(1000, r => delivered.Add((int)r));
        Parallel.For(0, 1000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => delivery.Finished(999 - i, 999 - i));
        Assert.Equal(Enumerable.Range(0, 1000), delivered);
    }
}

using Microsoft.ML;
using Sta.MLNet;

namespace Sta.MLNet.Tests.Pipelines;

public class MLContextLoggingTests
{
    [Fact]
    public void ChannelLinesReachMLContextLogWithTheComponentName()
    {
        var ml = new MLContext(seed: 1);
        var messages = new List<string>();
        ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        using (var channel = ml.StartChannel("StaTestComponent"))
            channel.Info("clip batch 3 of 7 done");
        Assert.Contains(messages, m => m.Contains("clip batch 3 of 7 done") && m.Contains("StaTestComponent"));
    }

    [Fact]
    public void HostRandomIsSeededByTheContext()
    {
        var a = new MLContext(seed: 5).CreateHost("x").Rand.Next();
        var b = new MLContext(seed: 5).CreateHost("x").Rand.Next();
        Assert.Equal(a, b);
    }
}

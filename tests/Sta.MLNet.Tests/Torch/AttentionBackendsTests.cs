using Sta.MLNet;
using static TorchSharp.torch;

namespace Sta.MLNet.Tests.Torch;

// Process-wide switches: the tests that flip them run one after another and restore them.
[Collection(nameof(AttentionBackendsTests))]
public sealed class AttentionBackendsTests
{
    [Fact]
    public void The_switches_are_found_in_this_libtorch_and_round_trip()
    {
        var original = AttentionBackends.Current();
        Assert.NotNull(original);
        try
        {
            var onlyMath = new AttentionBackendSet(Flash: false, MemoryEfficient: false, CuDnn: false, Math: true);
            Assert.True(AttentionBackends.TrySet(onlyMath));
            Assert.Equal(onlyMath, AttentionBackends.Current());
            // TorchSharp's own flash switch reads the same libtorch flag.
            Assert.False(backends.cuda.flash_sdp_enabled());
            var flash = AttentionBackendSet.Parse("flash,math");
            Assert.True(AttentionBackends.TrySet(flash));
            Assert.True(backends.cuda.flash_sdp_enabled());
        }
        finally
        {
            AttentionBackends.TrySet(original!);
        }
    }

    [Fact]
    public void Backend_names_parse_and_unknown_names_are_refused()
    {
        Assert.Equal(new AttentionBackendSet(true, true, true, true), AttentionBackendSet.Parse("all"));
        Assert.Equal(new AttentionBackendSet(true, false, true, false), AttentionBackendSet.Parse(" cudnn, FLASH "));
        Assert.Equal("flash,cudnn", AttentionBackendSet.Parse("cudnn,flash").ToString());
        var error = Assert.Throws<ArgumentException>(() => AttentionBackendSet.Parse("flash,triton"));
        Assert.Contains("triton", error.Message);
        Assert.Throws<ArgumentException>(() => AttentionBackendSet.Parse(""));
    }
}

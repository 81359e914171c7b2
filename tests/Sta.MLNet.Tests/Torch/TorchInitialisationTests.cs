using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet.Tests.Torch;

public class TorchInitialisationTests
{
    [Fact]
    public void TorchLoadsAndComputes()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        using var b = a.matmul(a);
        Assert.Equal(new float[] { 7, 10, 15, 22 }, b.data<float>().ToArray());
    }
}

public class CudnnAutotuningTests
{
    [Fact]
    public void TheCudnnBenchmarkFlagCanBeSetAndRead()
    {
        // The flag lives in libtorch's global context even in the CPU build; setting it there is harmless.
        Assert.True(Sta.MLNet.CudnnAutotuning.TrySet(true));
        Assert.True(Sta.MLNet.CudnnAutotuning.TrySet(false));
    }
}

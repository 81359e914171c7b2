using System.Runtime.CompilerServices;

namespace Sta.MLNet.Orleans.Tests;

internal static class TestAssemblySetup
{
    /// <summary>One torch thread, as in the other test projects: the CI machines are small and shared.</summary>
    [ModuleInitializer]
    internal static void SingleTorchThread()
    {
        TorchSharp.torch.set_num_threads(1);
        TorchSharp.torch.set_num_interop_threads(1);
        OpenCvSharp.Cv2.SetLogLevel(OpenCvSharp.LogLevel.ERROR);
    }
}

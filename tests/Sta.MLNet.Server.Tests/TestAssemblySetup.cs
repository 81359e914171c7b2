using System.Runtime.CompilerServices;

namespace Sta.MLNet.Server.Tests;

internal static class TestAssemblySetup
{
    /// <summary>One torch thread, as in the other test projects: the CI machines are small and shared.</summary>
    [ModuleInitializer]
    internal static void SingleTorchThread()
    {
        TorchSharp.torch.set_num_threads(1);
        TorchSharp.torch.set_num_interop_threads(1);
        // FFmpeg's complaints about the deliberately broken uploads would only clutter the test log.
        OpenCvSharp.Cv2.SetLogLevel(OpenCvSharp.LogLevel.ERROR);
        // WebApplicationFactory wants a content root for its entry-point assembly (this one, see ServiceFactory) and
        // would look for a folder of this assembly's name beside the solution. The service needs none (its page is
        // embedded), so the test output folder does.
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_STA_MLNET_SERVER_TESTS", AppContext.BaseDirectory);
    }
}

using System.Runtime.CompilerServices;

namespace Sta.MLNet.Tests;

internal static class TestAssemblySetup
{
    /// <summary>
    /// One torch thread for the whole suite: with other processes on a 2-core machine, two torch threads made small
    /// ops ~50x slower (docs/design.md, "Runtime"), and results become thread-count independent.
    /// </summary>
    [ModuleInitializer]
    internal static void SingleTorchThread()
    {
        TorchSharp.torch.set_num_threads(1);
        TorchSharp.torch.set_num_interop_threads(1);
    }
}

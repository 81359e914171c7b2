using System.Runtime.InteropServices;

namespace Sta.MLNet;

/// <summary>
/// Access to libtorch's process-wide <c>at::Context</c> for the switches TorchSharp 0.107 does not expose. The setters
/// and getters are exported C++ functions of libtorch_cpu.so, called through their mangled names; where the library or
/// a symbol is missing (another platform, another libtorch) the call reports failure instead of throwing.
/// </summary>
internal static class LibTorchContext
{
    internal const string Library = "libtorch_cpu.so";

    [DllImport(Library, EntryPoint = "_ZN2at13globalContextEv")]
    private static extern IntPtr GlobalContext();

    /// <summary>Runs <paramref name="use"/> on <c>at::globalContext()</c>; false where the symbols are absent.</summary>
    public static bool TryUse(Action<IntPtr> use)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            TorchSharp.torch.InitializeDeviceType(TorchSharp.DeviceType.CPU); // make sure libtorch is loaded
            use(GlobalContext());
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }
}

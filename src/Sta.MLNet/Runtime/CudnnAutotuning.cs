using System.Runtime.InteropServices;

namespace Sta.MLNet;

/// <summary>
/// Switches libtorch's cuDNN autotuning (PyTorch's <c>torch.backends.cudnn.benchmark</c>) on or off. TorchSharp 0.107
/// does not expose the flag, so this calls <c>at::Context::setBenchmarkCuDNN(bool)</c> directly
/// (<see cref="LibTorchContext"/>). With autotuning, cuDNN times its algorithms for each new convolution shape and keeps
/// the fastest — worth it when shapes repeat (fixed clip size and batch), as in training and batch scoring. Returns
/// false, changing nothing, where the symbols are absent.
/// </summary>
internal static class CudnnAutotuning
{
    [DllImport(LibTorchContext.Library, EntryPoint = "_ZN2at7Context17setBenchmarkCuDNNEb")]
    private static extern void SetBenchmarkCuDNN(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport(LibTorchContext.Library, EntryPoint = "_ZNK2at7Context14benchmarkCuDNNEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static extern bool BenchmarkCuDNN(IntPtr context);

    /// <summary>Sets the flag; true when it could be set (and reads back as set).</summary>
    public static bool TrySet(bool enabled)
    {
        bool readBack = !enabled;
        return LibTorchContext.TryUse(context =>
        {
            SetBenchmarkCuDNN(context, enabled);
            readBack = BenchmarkCuDNN(context);
        }) && readBack == enabled;
    }
}

using System.Runtime.InteropServices;

namespace Sta.MLNet;

/// <summary>
/// Which implementations libtorch may pick for fused attention (<see cref="AttentionKernel.Fused"/>): PyTorch's
/// <c>torch.backends.cuda.enable_flash_sdp / enable_mem_efficient_sdp / enable_cudnn_sdp / enable_math_sdp</c>.
/// TorchSharp 0.107 exposes only the flash and math switches, so this calls the exported <c>at::Context</c> setters
/// directly (as <see cref="CudnnAutotuning"/> does). The choice matters for the adapters' cross-attention, whose head
/// dimension (256) is at the edge of what the flash kernels take; the settings are process-wide, as in PyTorch.
/// </summary>
internal static class AttentionBackends
{
    private const string Library = LibTorchContext.Library;

    [DllImport(Library, EntryPoint = "_ZN2at7Context14setSDPUseFlashEb")]
    private static extern void SetFlash(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport(Library, EntryPoint = "_ZN2at7Context21setSDPUseMemEfficientEb")]
    private static extern void SetMemoryEfficient(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport(Library, EntryPoint = "_ZN2at7Context14setSDPUseCuDNNEb")]
    private static extern void SetCuDnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport(Library, EntryPoint = "_ZN2at7Context13setSDPUseMathEb")]
    private static extern void SetMath(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport(Library, EntryPoint = "_ZNK2at7Context19userEnabledFlashSDPEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static extern bool GetFlash(IntPtr context);

    [DllImport(Library, EntryPoint = "_ZNK2at7Context26userEnabledMemEfficientSDPEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static extern bool GetMemoryEfficient(IntPtr context);

    [DllImport(Library, EntryPoint = "_ZNK2at7Context19userEnabledCuDNNSDPEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static extern bool GetCuDnn(IntPtr context);

    [DllImport(Library, EntryPoint = "_ZNK2at7Context18userEnabledMathSDPEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static extern bool GetMath(IntPtr context);

    /// <summary>The current switches, or null where this libtorch does not export them.</summary>
    public static AttentionBackendSet? Current()
    {
        AttentionBackendSet? current = null;
        LibTorchContext.TryUse(context =>
            current = new AttentionBackendSet(GetFlash(context), GetMemoryEfficient(context), GetCuDnn(context), GetMath(context)));
        return current;
    }

    /// <summary>Sets the switches; true when every one could be set and reads back as set.</summary>
    public static bool TrySet(AttentionBackendSet backends) =>
        LibTorchContext.TryUse(context =>
        {
            SetFlash(context, backends.Flash);
            SetMemoryEfficient(context, backends.MemoryEfficient);
            SetCuDnn(context, backends.CuDnn);
            SetMath(context, backends.Math);
        }) && Current() == backends;
}

/// <summary>The fused-attention implementations libtorch may choose from.</summary>
/// <param name="Flash">FlashAttention kernels.</param>
/// <param name="MemoryEfficient">The memory-efficient (xFormers-style) kernels.</param>
/// <param name="CuDnn">cuDNN's fused attention.</param>
/// <param name="Math">The unfused fallback (explicit matmul + softmax inside libtorch).</param>
internal sealed record AttentionBackendSet(bool Flash, bool MemoryEfficient, bool CuDnn, bool Math)
{
    /// <summary>Parses "flash", "efficient", "cudnn", "math" or a comma-separated combination; "all" enables every one.</summary>
    public static AttentionBackendSet Parse(string text)
    {
        var names = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(n => n.ToLowerInvariant()).ToHashSet();
        var unknown = names.Except(["flash", "efficient", "cudnn", "math", "all"]).ToList();
        if (names.Count == 0 || unknown.Count > 0)
            throw new ArgumentException($"Unknown attention backend(s) '{string.Join(",", unknown)}' in '{text}': use flash, efficient, cudnn, math or all.", nameof(text));
        bool all = names.Contains("all");
        return new AttentionBackendSet(all || names.Contains("flash"), all || names.Contains("efficient"), all || names.Contains("cudnn"), all || names.Contains("math"));
    }

    public override string ToString() =>
        string.Join(",", new[] { (Flash, "flash"), (MemoryEfficient, "efficient"), (CuDnn, "cudnn"), (Math, "math") }.Where(p => p.Item1).Select(p => p.Item2));
}

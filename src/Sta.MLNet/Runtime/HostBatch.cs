using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// Builds network inputs on the host so that moving them to the device neither copies twice nor stalls the device.
/// Clips are written once, straight into the tensor's memory (no managed staging array). For a CUDA target that memory
/// is page-locked: libtorch copies pageable memory with a stream synchronisation (the host waits for every queued
/// kernel, then the GPU idles while the host queues the next step), whereas a copy from pinned memory is queued on the
/// stream like a kernel. libtorch's pinned-memory cache records the copy, so the host tensor may be disposed right after
/// <see cref="Upload"/> without waiting for the transfer. Pinning costs one host copy (libtorch's empty() cannot ask for
/// pinned memory from .NET), so it pays where the batch is built off the critical path (the training prefetch thread),
/// not where the host would wait for the result anyway (scoring reads its scores right after the forward).
/// </summary>
internal static class HostBatch
{
    /// <summary>[count, T, 3, H, W] float32 on the host, page-locked if <paramref name="pinned"/>.</summary>
    public static Tensor Clips(IReadOnlyList<float[]> clips, int count, StaNetworkOptions network, bool pinned)
    {
        long clipLength = (long)network.NumFrames * 3 * network.InputResolution * network.InputResolution;
        if (count < 1 || count > clips.Count)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"A batch needs between 1 and {clips.Count} clips.");
        var host = Allocate([count, network.NumFrames, 3, network.InputResolution, network.InputResolution], ScalarType.Float32, pinned);
        try
        {
            using var values = host.data<float>();
            for (int i = 0; i < count; i++)
            {
                if (clips[i].LongLength != clipLength)
                    throw new ArgumentException($"Clip {i} has {clips[i].LongLength} values; the network needs {clipLength}.", nameof(clips));
                values.CopyFrom(clips[i], 0, i * clipLength);
            }
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>Class indices (int64) on the host, page-locked if <paramref name="pinned"/>.</summary>
    public static Tensor Labels(long[] labels, bool pinned)
    {
        var host = Allocate([labels.Length], ScalarType.Int64, pinned);
        using var values = host.data<long>();
        values.CopyFrom(labels, 0, 0);
        return host;
    }

    /// <summary>
    /// The tensor on <paramref name="device"/>: asynchronous when the host memory is pinned; on the CPU the same storage.
    /// </summary>
    public static Tensor Upload(Tensor host, Device device) =>
        host.to(device, non_blocking: device.type == DeviceType.CUDA && host.is_pinned());

    /// <summary>A host tensor for a small value (for example a dropout mask) moved to <paramref name="device"/> without a stream synchronisation.</summary>
    public static Tensor MoveWithoutStall(Tensor hostValue, Device device)
    {
        if (device.type != DeviceType.CUDA) return hostValue.to(device);
        using var pinned = Pin(hostValue);
        return Upload(pinned, device);
    }

    /// <summary>Whether batches bound for <paramref name="device"/> are worth pinning when built off the critical path.</summary>
    public static bool PinFor(Device device) => device.type == DeviceType.CUDA;

    private static Tensor Allocate(long[] shape, ScalarType type, bool pinned)
    {
        if (!pinned) return empty(shape, type);
        using var pageable = empty(shape, type);
        return Pin(pageable);
    }

    /// <summary>A page-locked copy of <paramref name="host"/>, or a pageable alias of it where pinning is refused.</summary>
    private static Tensor Pin(Tensor host)
    {
        if (s_pinningFailed) return host.alias();
        try
        {
            // pin_memory() takes a block from libtorch's pinned-memory cache and copies into it.
            return host.pin_memory();
        }
        catch (System.Runtime.InteropServices.ExternalException)
        {
            // Page-locked memory can be refused (container limits, a libtorch without a CUDA host allocator): pageable
            // batches are slower to upload but correct, so carry on with them rather than fail the training run.
            s_pinningFailed = true;
            return host.alias();
        }
    }

    private static volatile bool s_pinningFailed;
}

using Microsoft.ML;
using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// The one place that decides where tensors live, with ML.NET's own rule: CUDA device <c>GpuDeviceId</c> when it is
/// set and CUDA is available; otherwise the CPU when <c>FallbackToCpu</c> is true, else a loud error.
/// </summary>
internal static class TorchDeviceSelector
{
    public static Device Select(MLContext mlContext) => Select(mlContext.GpuDeviceId, mlContext.FallbackToCpu);

    public static Device Select(int? gpuDeviceId, bool fallbackToCpu)
    {
        if (gpuDeviceId is null) return CPU;
        if (cuda.is_available())
        {
            int count = cuda.device_count();
            if (gpuDeviceId.Value < 0 || gpuDeviceId.Value >= count)
            {
                if (fallbackToCpu) return CPU;
                throw new InvalidOperationException($"GPU device {gpuDeviceId} was requested but only {count} CUDA device(s) exist.");
            }
            return new Device(DeviceType.CUDA, gpuDeviceId.Value);
        }
        if (fallbackToCpu) return CPU;
        throw new InvalidOperationException(
            $"GPU device {gpuDeviceId} was requested (MLContext.GpuDeviceId) but CUDA is not available: this build carries the " +
            "CPU libtorch. Build with -p:StaTorchBackend=cuda, or put a CUDA libtorch on LD_LIBRARY_PATH (README, 'GPU'), " +
            "or set MLContext.FallbackToCpu = true.");
    }
}

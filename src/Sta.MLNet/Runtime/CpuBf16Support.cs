namespace Sta.MLNet;

/// <summary>
/// Whether this CPU computes bfloat16 natively (AVX512-BF16 or AMX-BF16), where bf16 scoring
/// (<see cref="StaDetectionOptions.UseBf16OnCpu"/>) is about 3x faster than float32; elsewhere libtorch emulates
/// bf16 and it is slower. Read from /proc/cpuinfo on Linux; false where that is not available.
/// </summary>
internal static class CpuBf16Support
{
    private static readonly Lazy<bool> Native = new(() =>
    {
        try
        {
            return OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo") && HasNativeBf16(File.ReadAllText("/proc/cpuinfo"));
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    });

    /// <summary>True when the CPU has AVX512-BF16 or AMX-BF16.</summary>
    public static bool IsNative => Native.Value;

    /// <summary>Whether a /proc/cpuinfo text lists a bf16 instruction set in its flags.</summary>
    internal static bool HasNativeBf16(string cpuinfo)
    {
        foreach (var line in cpuinfo.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon < 0 || !line.AsSpan(0, colon).Trim().SequenceEqual("flags")) continue;
            var flags = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return flags.Contains("avx512_bf16") || flags.Contains("amx_bf16");
        }
        return false;
    }
}

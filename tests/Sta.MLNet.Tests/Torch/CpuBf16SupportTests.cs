using Sta.MLNet;

namespace Sta.MLNet.Tests.Torch;

public sealed class CpuBf16SupportTests
{
    [Theory]
    [InlineData("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_bf16 avx512_vnni\n", true)]
    [InlineData("processor\t: 0\nflags\t\t: fpu sse2 avx2 amx_tile amx_bf16 amx_int8\n", true)]
    [InlineData("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512bw\n", false)]
    [InlineData("processor\t: 0\nvmx flags\t: avx512_bf16\nflags\t\t: fpu sse2\n", false)]
    [InlineData("", false)]
    public void The_bf16_instruction_sets_are_read_from_the_flags_line(string cpuinfo, bool expected) =>
        Assert.Equal(expected, CpuBf16Support.HasNativeBf16(cpuinfo));
}

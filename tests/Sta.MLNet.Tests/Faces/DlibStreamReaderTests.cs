using Sta.MLNet;

namespace Sta.MLNet.Tests.Faces;

/// <summary>dlib's integer and float encodings (dlib/serialize.h, dlib/float_details.h) on hand-made bytes.</summary>
public class DlibStreamReaderTests
{
    [Theory]
    [InlineData(new byte[] { 0x01, 0x05 }, 5L)]
    [InlineData(new byte[] { 0x81, 0x05 }, -5L)]
    [InlineData(new byte[] { 0x02, 0x34, 0x12 }, 0x1234L)]
    [InlineData(new byte[] { 0x88, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F }, -long.MaxValue)]
    public void ReadsSignedIntegers(byte[] bytes, long expected)
    {
        var reader = new DlibStreamReader(bytes, "test");
        Assert.Equal(expected, reader.ReadSigned());
        Assert.True(reader.AtEnd);
    }

    [Fact]
    public void ReadsFloatsAsMantissaThenExponent()
    {
        // 1.5 = 3 * 2^-1; -0.75 = -3 * 2^-2; 0 = (0, 0), dlib writes integer 0 as control 0x01 + one zero byte.
        byte[] bytes = [0x01, 0x03, 0x81, 0x01, 0x81, 0x03, 0x81, 0x02, 0x01, 0x00, 0x01, 0x00];
        var reader = new DlibStreamReader(bytes, "test");
        Assert.Equal(1.5f, reader.ReadSingle());
        Assert.Equal(-0.75f, reader.ReadSingle());
        Assert.Equal(0f, reader.ReadSingle());
    }

    [Fact]
    public void ReadsSpecialFloatExponents()
    {
        // exponent 32000 = +inf, 32001 = -inf, 32002 = NaN (two magnitude bytes, little endian).
        byte[] bytes = [0x01, 0x00, 0x02, 0x00, 0x7D, 0x01, 0x00, 0x02, 0x01, 0x7D, 0x01, 0x00, 0x02, 0x02, 0x7D];
        var reader = new DlibStreamReader(bytes, "test");
        Assert.Equal(float.PositiveInfinity, reader.ReadSingle());
        Assert.Equal(float.NegativeInfinity, reader.ReadSingle());
        Assert.True(float.IsNaN(reader.ReadSingle()));
    }

    [Fact]
    public void RejectsObsoleteAsciiFloats()
    {
        var reader = new DlibStreamReader("1.5 "u8.ToArray(), "old.dat");
        var error = Assert.Throws<InvalidDataException>(() => reader.ReadSingle());
        Assert.Contains("old.dat", error.Message);
    }

    [Fact]
    public void RejectsOversizedIntegers()
    {
        var reader = new DlibStreamReader([0x03, 0x01, 0x02, 0x03], "big.dat");
        Assert.Throws<InvalidDataException>(() => reader.ReadSigned(maxBytes: 2));
    }
}

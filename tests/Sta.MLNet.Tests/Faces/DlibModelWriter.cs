namespace Sta.MLNet.Tests.Faces;

/// <summary>
/// Writes dlib's serialisation format (integers as control byte + little-endian magnitude; floats as
/// mantissa/exponent integer pairs) so tests can build small shape-predictor files with known content.
/// </summary>
internal sealed class DlibModelWriter
{
    private readonly List<byte> _bytes = [];

    public byte[] ToArray() => _bytes.ToArray();

    public DlibModelWriter Integer(long value)
    {
        var magnitude = (ulong)Math.Abs(value);
        var bytes = new List<byte>();
        do
        {
            bytes.Add((byte)(magnitude & 0xFF));
            magnitude >>= 8;
        }
        while (magnitude != 0);
        _bytes.Add((byte)(bytes.Count | (value < 0 ? 0x80 : 0)));
        _bytes.AddRange(bytes);
        return this;
    }

    public DlibModelWriter Single(float value)
    {
        if (value == 0)
            return Integer(0).Integer(0);
        // 24-bit integer significand and matching exponent: value = mantissa * 2^exponent exactly.
        var exponent = MathF.ILogB(value) - 23;
        var mantissa = (long)MathF.ScaleB(value, -exponent);
        return Integer(mantissa).Integer(exponent);
    }

    public DlibModelWriter ColumnVector(IReadOnlyList<float> values)
    {
        Integer(-values.Count).Integer(-1);
        foreach (var v in values)
            Single(v);
        return this;
    }
}

namespace Sta.MLNet;

/// <summary>
/// Reads values written by dlib's own serialisation (<c>dlib/serialize.h</c>) from a byte buffer.
/// Integers are a control byte (bit 7: negative, low 4 bits: number of magnitude bytes) followed by the magnitude
/// in little-endian order; floating-point values are a signed integer mantissa followed by a signed integer base-2
/// exponent (dlib's <c>float_details</c>), with three reserved exponents for +inf, -inf and NaN.
/// Every read is bounds-checked; a malformed file raises <see cref="InvalidDataException"/> naming the file and offset.
/// </summary>
internal sealed class DlibStreamReader
{
    private const short PositiveInfinityExponent = 32000;
    private const short NegativeInfinityExponent = 32001;
    private const short NotANumberExponent = 32002;

    private readonly byte[] _buffer;
    private readonly string _sourceName;
    private int _position;

    public DlibStreamReader(byte[] buffer, string sourceName)
    {
        _buffer = buffer;
        _sourceName = sourceName;
    }

    public int Position => _position;

    public bool AtEnd => _position >= _buffer.Length;

    /// <summary>A signed integer of at most <paramref name="maxBytes"/> magnitude bytes.</summary>
    public long ReadSigned(int maxBytes = 8)
    {
        var start = _position;
        var control = ReadByte();
        var size = control & 0x0F;
        if (size == 0 || size > maxBytes)
            throw Malformed(start, $"integer control byte 0x{control:X2} announces {size} bytes (at most {maxBytes} allowed)");
        var magnitude = ReadMagnitude(size, start);
        if (magnitude > long.MaxValue)
            throw Malformed(start, "integer magnitude does not fit a 64-bit signed value");
        var value = (long)magnitude;
        return (control & 0x80) != 0 ? -value : value;
    }

    /// <summary>An unsigned integer (dlib masks out the three reserved bits 0x70 of the control byte).</summary>
    public ulong ReadUnsigned(int maxBytes = 8)
    {
        var start = _position;
        var control = ReadByte();
        var size = control & 0x8F;
        if (size == 0 || size > maxBytes)
            throw Malformed(start, $"unsigned integer control byte 0x{control:X2} is invalid");
        return ReadMagnitude(size, start);
    }

    /// <summary>A non-negative count or index that must fit an <see cref="int"/>.</summary>
    public int ReadCount(string what)
    {
        var start = _position;
        var value = ReadUnsigned();
        if (value > int.MaxValue)
            throw Malformed(start, $"{what} = {value} is too large");
        return (int)value;
    }

    /// <summary>
    /// A float in dlib's (mantissa, exponent) form, converted the way dlib converts to <c>float</c>: the mantissa is
    /// cast to float, then scaled by 2^exponent.
    /// </summary>
    public float ReadSingle()
    {
        var start = _position;
        if ((PeekByte() & 0x70) != 0)
            throw Malformed(start, "float uses dlib's obsolete ASCII encoding, which this reader does not support");
        var mantissa = ReadSigned(8);
        var exponent = ReadSigned(2);
        return exponent switch
        {
            PositiveInfinityExponent => float.PositiveInfinity,
            NegativeInfinityExponent => float.NegativeInfinity,
            NotANumberExponent => float.NaN,
            _ => MathF.ScaleB(mantissa, (int)exponent),
        };
    }

    private byte ReadByte()
    {
        if (_position >= _buffer.Length)
            throw Malformed(_position, "unexpected end of file");
        return _buffer[_position++];
    }

    private byte PeekByte()
    {
        if (_position >= _buffer.Length)
            throw Malformed(_position, "unexpected end of file");
        return _buffer[_position];
    }

    private ulong ReadMagnitude(int size, int start)
    {
        if (_position + size > _buffer.Length)
            throw Malformed(start, "unexpected end of file inside an integer");
        ulong value = 0;
        for (var i = size - 1; i >= 0; i--)
            value = (value << 8) | _buffer[_position + i];
        _position += size;
        return value;
    }

    public InvalidDataException Malformed(int offset, string what) =>
        new($"'{_sourceName}' is not a valid dlib serialisation at byte {offset}: {what}.");
}

using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Sta.MLNet;

/// <summary>
/// Reads and writes NumPy .npy files (format versions 1.0, 2.0 and 3.0) holding int32, int64, float32 or float64
/// arrays, as DeepfakeBench stores its landmarks (<c>[81, 2]</c> int arrays). Little- and big-endian data and
/// Fortran order are read (Fortran order is converted to C order); files are written as version 1.0,
/// little-endian, C order. Anything else is rejected with <see cref="NpyFormatException"/> naming the file.
/// </summary>
internal static partial class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    // One header dictionary entry: 'key': value, where value is a quoted string, True/False or a tuple of integers.
    [GeneratedRegex(@"'(?<key>[a-z_]+)'\s*:\s*(?<value>'[^']*'|True|False|\([0-9,\sL]*\))")]
    private static partial Regex HeaderEntry();

    /// <summary>Reads a .npy file.</summary>
    /// <exception cref="DatasetFileMissingException">The file does not exist.</exception>
    /// <exception cref="NpyFormatException">Malformed header, unsupported dtype, or data of the wrong size.</exception>
    public static NpyArray Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new DatasetFileMissingException(path);
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses the bytes of a .npy file; <paramref name="sourceName"/> names it in errors.</summary>
    public static NpyArray Parse(ReadOnlySpan<byte> bytes, string sourceName)
    {
        if (bytes.Length < 10 || !bytes[..6].SequenceEqual(Magic))
            throw new NpyFormatException(sourceName, "Not a NumPy .npy file (missing the \\x93NUMPY magic)");
        var major = bytes[6];
        int headerLength, headerStart;
        switch (major)
        {
            case 1:
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]);
                headerStart = 10;
                break;
            case 2 or 3 when bytes.Length >= 12:
                var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
                if (length > int.MaxValue)
                    throw new NpyFormatException(sourceName, $"Header length {length} is implausible");
                headerLength = (int)length;
                headerStart = 12;
                break;
            default:
                throw new NpyFormatException(sourceName, $"Unsupported .npy format version {major}.{bytes[7]}");
        }
        if (bytes.Length < headerStart + headerLength)
            throw new NpyFormatException(sourceName, "The file ends inside its header");
        var header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(bytes.Slice(headerStart, headerLength));
        var (elementType, bigEndian, fortranOrder, shape) = ParseHeader(header, sourceName);

        var itemSize = elementType is NpyElementType.Int32 or NpyElementType.Float32 ? 4 : 8;
        long count = 1;
        foreach (var dimension in shape)
            count = checked(count * dimension);
        var data = bytes[(headerStart + headerLength)..];
        if (data.Length != count * itemSize)
            throw new NpyFormatException(sourceName,
                $"Shape ({string.Join(", ", shape)}) of {elementType} needs {count * itemSize} data bytes but the file holds {data.Length}" +
                (data.Length < count * itemSize ? " (truncated)" : ""));

        var stored = new double[count];
        for (var i = 0; i < stored.Length; i++)
            stored[i] = ReadElement(data.Slice(i * itemSize, itemSize), elementType, bigEndian);
        var values = fortranOrder && shape.Length > 1 ? FortranToC(stored, shape) : stored;
        return new NpyArray(elementType, shape, values);
    }

    /// <summary>Writes <paramref name="array"/> as a version 1.0, little-endian, C-order .npy file.</summary>
    /// <exception cref="ArgumentException">An integer array holds a value that is not an integer of its type.</exception>
    public static void Write(string path, NpyArray array)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(array);
        var descr = array.ElementType switch
        {
            NpyElementType.Int32 => "<i4",
            NpyElementType.Int64 => "<i8",
            NpyElementType.Float32 => "<f4",
            NpyElementType.Float64 => "<f8",
            _ => throw new ArgumentOutOfRangeException(nameof(array), array.ElementType, "Unknown element type."),
        };
        var shapeText = array.Shape.Count == 1
            ? $"({array.Shape[0]},)"
            : $"({string.Join(", ", array.Shape)})";
        var dictionary = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shapeText}, }}";
        // NumPy pads the header with spaces and a final newline so that the data starts at a multiple of 64 bytes.
        var unpadded = 10 + dictionary.Length + 1;
        var padding = (64 - unpadded % 64) % 64;
        var header = dictionary + new string(' ', padding) + "\n";

        var itemSize = array.ElementType is NpyElementType.Int32 or NpyElementType.Float32 ? 4 : 8;
        var bytes = new byte[10 + header.Length + array.Values.Length * itemSize];
        Magic.CopyTo(bytes, 0);
        bytes[6] = 1;
        bytes[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), checked((ushort)header.Length));
        Encoding.Latin1.GetBytes(header, bytes.AsSpan(10));
        var data = bytes.AsSpan(10 + header.Length);
        for (var i = 0; i < array.Values.Length; i++)
            WriteElement(data.Slice(i * itemSize, itemSize), array.Values[i], array.ElementType);
        File.WriteAllBytes(path, bytes);
    }

    private static (NpyElementType Type, bool BigEndian, bool FortranOrder, int[] Shape) ParseHeader(string header, string sourceName)
    {
        var trimmed = header.Trim();
        if (!trimmed.StartsWith('{') || !trimmed.EndsWith('}'))
            throw new NpyFormatException(sourceName, $"The header is not a dictionary: {Shorten(header)}");
        var entries = new Dictionary<string, string>();
        foreach (Match match in HeaderEntry().Matches(trimmed))
            entries[match.Groups["key"].Value] = match.Groups["value"].Value;
        if (!entries.TryGetValue("descr", out var descr) || !entries.TryGetValue("fortran_order", out var fortran) ||
            !entries.TryGetValue("shape", out var shapeText))
            throw new NpyFormatException(sourceName, $"The header lacks descr, fortran_order or shape: {Shorten(header)}");

        descr = descr.Trim('\'');
        var bigEndian = descr.StartsWith('>');
        var kind = descr.TrimStart('<', '>', '=', '|');
        var elementType = kind switch
        {
            "i4" => NpyElementType.Int32,
            "i8" => NpyElementType.Int64,
            "f4" => NpyElementType.Float32,
            "f8" => NpyElementType.Float64,
            _ => throw new NpyFormatException(sourceName,
                $"Unsupported dtype '{descr}'; supported: int32, int64, float32, float64 ('<i4', '<i8', '<f4', '<f8', or big-endian '>')"),
        };

        var dimensions = shapeText.Trim('(', ')').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var shape = new int[dimensions.Length];
        for (var i = 0; i < dimensions.Length; i++)
        {
            if (!int.TryParse(dimensions[i].TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]))
                throw new NpyFormatException(sourceName, $"Shape {shapeText} has a dimension that is not a non-negative integer");
        }
        return (elementType, bigEndian, fortran == "True", shape);
    }

    private static double ReadElement(ReadOnlySpan<byte> bytes, NpyElementType type, bool bigEndian) => type switch
    {
        NpyElementType.Int32 => bigEndian ? BinaryPrimitives.ReadInt32BigEndian(bytes) : BinaryPrimitives.ReadInt32LittleEndian(bytes),
        NpyElementType.Int64 => bigEndian ? BinaryPrimitives.ReadInt64BigEndian(bytes) : BinaryPrimitives.ReadInt64LittleEndian(bytes),
        NpyElementType.Float32 => bigEndian ? BinaryPrimitives.ReadSingleBigEndian(bytes) : BinaryPrimitives.ReadSingleLittleEndian(bytes),
        _ => bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(bytes) : BinaryPrimitives.ReadDoubleLittleEndian(bytes),
    };

    private static void WriteElement(Span<byte> bytes, double value, NpyElementType type)
    {
        switch (type)
        {
            case NpyElementType.Int32:
                if (value != Math.Floor(value) || value < int.MinValue || value > int.MaxValue)
                    throw new ArgumentException($"{value} is not an int32.");
                BinaryPrimitives.WriteInt32LittleEndian(bytes, (int)value);
                break;
            case NpyElementType.Int64:
                if (value != Math.Floor(value) || value < long.MinValue || value >= 9.2233720368547758e18)
                    throw new ArgumentException($"{value} is not an int64.");
                BinaryPrimitives.WriteInt64LittleEndian(bytes, (long)value);
                break;
            case NpyElementType.Float32:
                BinaryPrimitives.WriteSingleLittleEndian(bytes, (float)value);
                break;
            default:
                BinaryPrimitives.WriteDoubleLittleEndian(bytes, value);
                break;
        }
    }

    // Fortran order stores the first index fastest; C order the last.
    private static double[] FortranToC(double[] stored, int[] shape)
    {
        var result = new double[stored.Length];
        var index = new int[shape.Length];
        for (var c = 0; c < result.Length; c++)
        {
            long fortranOffset = 0;
            long stride = 1;
            for (var d = 0; d < shape.Length; d++)
            {
                fortranOffset += index[d] * stride;
                stride *= shape[d];
            }
            result[c] = stored[fortranOffset];
            for (var d = shape.Length - 1; d >= 0; d--)
            {
                if (++index[d] < shape[d])
                    break;
                index[d] = 0;
            }
        }
        return result;
    }

    private static string Shorten(string text) => text.Length <= 120 ? text.Trim() : text[..120] + "...";
}

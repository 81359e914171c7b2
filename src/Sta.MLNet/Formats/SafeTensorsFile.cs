using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Sta.MLNet;

/// <summary>One named array of a safetensors file, decoded to managed memory.</summary>
/// <param name="Name">Tensor name as stored in the header.</param>
/// <param name="DType">safetensors dtype string (F32, F64, I64, I32, U8, ...).</param>
/// <param name="Shape">Dimensions, C order; empty for a 0-dim scalar.</param>
/// <param name="Bytes">Raw little-endian data.</param>
internal sealed record SafeTensorEntry(string Name, string DType, long[] Shape, byte[] Bytes)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The data as float32; F64 and integer types are converted.</summary>
    public float[] ToSingleArray()
    {
        var n = checked((int)ElementCount);
        var result = new float[n];
        switch (DType)
        {
            case "F32":
                Buffer.BlockCopy(Bytes, 0, result, 0, n * 4);
                if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Big-endian hosts are not supported.");
                break;
            case "F64":
                for (int i = 0; i < n; i++) result[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(Bytes.AsSpan(i * 8));
                break;
            case "I64":
                for (int i = 0; i < n; i++) result[i] = BinaryPrimitives.ReadInt64LittleEndian(Bytes.AsSpan(i * 8));
                break;
            case "I32":
                for (int i = 0; i < n; i++) result[i] = BinaryPrimitives.ReadInt32LittleEndian(Bytes.AsSpan(i * 4));
                break;
            case "U8":
                for (int i = 0; i < n; i++) result[i] = Bytes[i];
                break;
            default:
                throw new InvalidDataException($"Tensor '{Name}' has dtype {DType}, which cannot be converted to float32.");
        }
        return result;
    }
}

/// <summary>
/// Minimal reader and writer of the safetensors container (8-byte little-endian header length, JSON header,
/// raw data). Used for fixtures and for exchanging plain arrays; model weights go through TorchSharp.PyBridge.
/// </summary>
internal static class SafeTensorsFile
{
    private static readonly Dictionary<string, int> ElementSizes = new()
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2, ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1,
        ["U8"] = 1, ["BOOL"] = 1,
    };

    /// <summary>Reads every tensor of <paramref name="path"/>, in header order. Metadata is skipped.</summary>
    public static IReadOnlyDictionary<string, SafeTensorEntry> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"safetensors file not found: {path}", path);
        using var stream = File.OpenRead(path);
        Span<byte> lengthBytes = stackalloc byte[8];
        if (stream.Read(lengthBytes) != 8) throw new InvalidDataException($"Truncated safetensors header: {path}");
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > 100_000_000UL || (long)headerLength + 8 > stream.Length)
            throw new InvalidDataException($"Implausible safetensors header length {headerLength}: {path}");
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        var dataStart = 8 + (long)headerLength;
        var result = new Dictionary<string, SafeTensorEntry>(StringComparer.Ordinal);
        using var json = JsonDocument.Parse(header);
        foreach (var property in json.RootElement.EnumerateObject())
        {
            if (property.Name == "__metadata__") continue;
            var dtype = property.Value.GetProperty("dtype").GetString() ?? throw new InvalidDataException($"Missing dtype for {property.Name} in {path}");
            var shape = property.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var offsets = property.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            if (offsets.Length != 2 || offsets[1] < offsets[0] || dataStart + offsets[1] > stream.Length)
                throw new InvalidDataException($"Bad data_offsets for {property.Name} in {path}");
            if (!ElementSizes.TryGetValue(dtype, out var size))
                throw new InvalidDataException($"Unknown dtype {dtype} for {property.Name} in {path}");
            var count = shape.Aggregate(1L, (a, b) => a * b);
            if (count * size != offsets[1] - offsets[0])
                throw new InvalidDataException($"Tensor {property.Name} in {path}: shape and byte range disagree");
            var bytes = new byte[offsets[1] - offsets[0]];
            stream.Position = dataStart + offsets[0];
            stream.ReadExactly(bytes);
            result[property.Name] = new SafeTensorEntry(property.Name, dtype, shape, bytes);
        }
        return result;
    }

    /// <summary>Writes float32 arrays (C order) as a safetensors file, in the given order.</summary>
    public static void WriteSingle(string path, IEnumerable<(string Name, long[] Shape, float[] Data)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var header = new Dictionary<string, object>();
        if (metadata is { Count: > 0 }) header["__metadata__"] = metadata;
        long offset = 0;
        foreach (var (name, shape, data) in list)
        {
            if (shape.Aggregate(1L, (a, b) => a * b) != data.Length)
                throw new ArgumentException($"Tensor {name}: shape does not match the data length.");
            header[name] = new { dtype = "F32", shape, data_offsets = new[] { offset, offset + data.Length * 4L } };
            offset += data.Length * 4L;
        }
        var headerText = JsonSerializer.Serialize(header);
        var padded = headerText.PadRight((headerText.Length + 8 + 7) / 8 * 8 - 8);
        var headerBytes = Encoding.UTF8.GetBytes(padded);
        using var stream = File.Create(path);
        Span<byte> lengthBytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(lengthBytes, (ulong)headerBytes.Length);
        stream.Write(lengthBytes);
        stream.Write(headerBytes);
        foreach (var (_, _, data) in list)
        {
            var bytes = new byte[data.Length * 4];
            Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
            stream.Write(bytes);
        }
    }
}

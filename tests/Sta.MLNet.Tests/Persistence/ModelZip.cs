using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Sta.MLNet.Tests.Persistence;

/// <summary>
/// Reads and patches a saved ML.NET model (.zip) in memory: the entries, and the fields of a model stream's header
/// (ML.NET's <c>ModelHeader</c> layout, 0x100 bytes at the start of each Model.key).
/// </summary>
internal sealed class ModelZip
{
    public const int ModelSignatureOffset = 0x40, ModelVerWrittenOffset = 0x48, ModelVerReadableOffset = 0x4C;
    private const int FpAssemblyNameOffset = 0x90, CbAssemblyNameOffset = 0x98;

    private readonly Dictionary<string, byte[]> _entries;

    public ModelZip(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        _entries = archive.Entries.ToDictionary(e => e.FullName, e =>
        {
            using var stream = e.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        });
    }

    public IReadOnlyCollection<string> EntryNames => _entries.Keys;

    public byte[] this[string name] => _entries[name];

    /// <summary>The Model.key entry whose header carries <paramref name="loaderSignature"/>.</summary>
    public string FindModelStream(string loaderSignature) => _entries.Keys.Single(name =>
        name.EndsWith("Model.key", StringComparison.Ordinal) && LoaderSignature(_entries[name]) == loaderSignature);

    public static string LoaderSignature(byte[] stream) =>
        Encoding.ASCII.GetString(stream, 0x50, 24).TrimEnd('\0');

    public static string LoaderAssemblyName(byte[] stream)
    {
        var fp = BinaryPrimitives.ReadInt64LittleEndian(stream.AsSpan(FpAssemblyNameOffset));
        var cb = BinaryPrimitives.ReadUInt32LittleEndian(stream.AsSpan(CbAssemblyNameOffset));
        return Encoding.Unicode.GetString(stream, (int)fp, (int)cb);
    }

    /// <summary>Replaces the loader assembly name by one of the same length (the header has no checksum).</summary>
    public void SetLoaderAssemblyName(string entry, string name)
    {
        var stream = _entries[entry];
        var fp = BinaryPrimitives.ReadInt64LittleEndian(stream.AsSpan(FpAssemblyNameOffset));
        var cb = BinaryPrimitives.ReadUInt32LittleEndian(stream.AsSpan(CbAssemblyNameOffset));
        var bytes = Encoding.Unicode.GetBytes(name);
        if (bytes.Length != cb) throw new ArgumentException($"'{name}' must have the length of the stored name ({cb / 2} chars).");
        bytes.CopyTo(stream, (int)fp);
    }

    public void SetUInt32(string entry, int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(_entries[entry].AsSpan(offset), value);

    public void SetBytes(string entry, int offset, byte[] value) => value.CopyTo(_entries[entry], offset);

    public MemoryStream ToStream()
    {
        var output = new MemoryStream();
        using (var archive = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes) in _entries)
            {
                using var stream = archive.CreateEntry(name).Open();
                stream.Write(bytes);
            }
        }
        output.Position = 0;
        return output;
    }
}

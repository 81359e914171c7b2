namespace Sta.MLNet;

/// <summary>
/// What a stage may read while ML.NET loads it: its own model stream (<see cref="Reader"/>, positioned after the format
/// version) and named binary entries beside it. Wraps ML.NET's internal <c>ModelLoadContext</c>.
/// </summary>
internal sealed class StageLoadContext
{
    private readonly object _context;

    private StageLoadContext(object context, uint formatVersion)
    {
        _context = context;
        FormatVersion = formatVersion;
    }

    /// <summary>The format version the model was written with (<see cref="StageVersionInfo.VerWrittenCur"/> at save time).</summary>
    public uint FormatVersion { get; }

    /// <summary>The stage's model stream.</summary>
    public BinaryReader Reader => (BinaryReader)MLNetInternals.Get().LoadReader.GetValue(_context)!;

    /// <summary>
    /// Checks the header against <paramref name="version"/> (signature, too new, too old: ML.NET's
    /// <c>FormatException</c>s) and reads the format version.
    /// </summary>
    internal static StageLoadContext Begin(object modelLoadContext, StageVersionInfo version)
    {
        var members = MLNetInternals.Get();
        if (!members.ModelLoadContextType.IsInstanceOfType(modelLoadContext))
            throw new ArgumentException($"Expected an ML.NET ModelLoadContext, got {modelLoadContext.GetType().FullName}.");
        var versionInfo = MLNetInternals.CreateVersionInfo(version, loaderAssemblyName: "");
        MLNetInternals.Invoke(() => members.LoadCheckAtModel.Invoke(modelLoadContext, [versionInfo]));
        var reader = (BinaryReader)members.LoadReader.GetValue(modelLoadContext)!;
        var formatVersion = reader.ReadUInt32();
        if (formatVersion < version.VerWeCanReadBack || formatVersion > version.VerWrittenCur)
            throw new InvalidDataException(
                $"Stage '{version.LoaderSignature}' has format version {formatVersion:X8} in its payload; this build reads " +
                $"{version.VerWeCanReadBack:X8} to {version.VerWrittenCur:X8}.");
        return new StageLoadContext(modelLoadContext, formatVersion);
    }

    /// <summary>Reads the separate entry <paramref name="name"/>; false when the model has no such entry.</summary>
    public bool TryLoadBinaryStream(string name, Action<BinaryReader> read)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(read);
        return (bool)MLNetInternals.Invoke(() => MLNetInternals.Get().LoadTryLoadBinaryStream.Invoke(_context, [name, read]))!;
    }

    /// <summary>Like <see cref="TryLoadBinaryStream"/>, but a missing entry is an <see cref="InvalidDataException"/>.</summary>
    public void LoadBinaryStream(string name, Action<BinaryReader> read)
    {
        if (!TryLoadBinaryStream(name, read))
            throw new InvalidDataException($"The model has no '{name}' entry next to this stage's model stream.");
    }
}

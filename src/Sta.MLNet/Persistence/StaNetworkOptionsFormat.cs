
namespace Sta.MLNet;

/// <summary>Writes and reads <see cref="StaNetworkOptions"/> inside a stage's model stream (field by field, versioned by the stage).</summary>
internal static class StaNetworkOptionsFormat
{
    public static void Write(BinaryWriter writer, StaNetworkOptions options)
    {
        writer.Write(options.Width);
        writer.Write(options.Layers);
        writer.Write(options.Heads);
        writer.Write(options.PatchSize);
        writer.Write(options.InputResolution);
        writer.Write(options.NumFrames);
        writer.Write(options.AdapterWidth);
        writer.Write(options.CrossAttentionHeads);
        writer.Write(options.MlpWidth);
        writer.Write(options.NumClasses);
        writer.Write(options.HeadDropout);
        WriteKernels(writer, options.SpatialKernels);
        WriteKernels(writer, options.TemporalKernels);
        writer.Write(options.LayerNormEpsilon);
        writer.Write(options.BatchNormEpsilon);
        writer.Write(options.BatchNormMomentum);
        writer.Write((int)options.BatchSemantics);
        writer.Write((int)options.AttentionKernel);
        writer.Write(options.CrossAttentionKernel is { } cross ? (int)cross : -1);
    }

    public static StaNetworkOptions Read(BinaryReader reader)
    {
        var options = new StaNetworkOptions
        {
            Width = reader.ReadInt32(),
            Layers = reader.ReadInt32(),
            Heads = reader.ReadInt32(),
            PatchSize = reader.ReadInt32(),
            InputResolution = reader.ReadInt32(),
            NumFrames = reader.ReadInt32(),
            AdapterWidth = reader.ReadInt32(),
            CrossAttentionHeads = reader.ReadInt32(),
            MlpWidth = reader.ReadInt32(),
            NumClasses = reader.ReadInt32(),
            HeadDropout = reader.ReadDouble(),
            SpatialKernels = ReadKernels(reader),
            TemporalKernels = ReadKernels(reader),
            LayerNormEpsilon = reader.ReadDouble(),
            BatchNormEpsilon = reader.ReadDouble(),
            BatchNormMomentum = reader.ReadDouble(),
            BatchSemantics = ReadEnum<CrossAttentionBatchSemantics>(reader.ReadInt32()),
            AttentionKernel = ReadEnum<AttentionKernel>(reader.ReadInt32()),
        };
        int cross = reader.ReadInt32();
        options = options with { CrossAttentionKernel = cross < 0 ? null : ReadEnum<AttentionKernel>(cross) };
        try
        {
            return options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"Saved StA network options are invalid: {e.Message}", e);
        }
    }

    private static void WriteKernels(BinaryWriter writer, IReadOnlyList<int> kernels)
    {
        writer.Write(kernels.Count);
        foreach (var k in kernels) writer.Write(k);
    }

    private static int[] ReadKernels(BinaryReader reader)
    {
        int count = reader.ReadInt32();
        if (count is < 0 or > 64) throw new InvalidDataException($"Saved StA network options: implausible kernel count {count}.");
        var kernels = new int[count];
        for (int i = 0; i < count; i++) kernels[i] = reader.ReadInt32();
        return kernels;
    }

    private static T ReadEnum<T>(int value) where T : struct, Enum =>
        Enum.IsDefined(typeof(T), value) ? (T)(object)value : throw new InvalidDataException($"Saved StA network options: unknown {typeof(T).Name} {value}.");
}

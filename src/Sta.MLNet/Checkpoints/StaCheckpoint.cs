using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>Loading and saving whole StA detectors (the authors' <c>sta_best.pth</c> included).</summary>
public static class StaCheckpoint
{
    /// <summary>Loads a checkpoint file (.pth zip or .safetensors) into <paramref name="detector"/>, strictly.</summary>
    /// <exception cref="CheckpointMismatchException">Keys or shapes differ from the network.</exception>
    public static void Load(StaDetector detector, string path)
    {
        // The scope owns the file's tensors (freed on return) and every wrapper made while binding them.
        using var scope = NewDisposeScope();
        var stateDict = StateDictFile.Load(path);
        StateDictBinder.Apply(detector, stateDict, path);
    }

    /// <summary>Builds a detector for <paramref name="options"/> on the CPU and loads <paramref name="path"/> into it.</summary>
    public static StaDetector LoadDetector(string path, StaNetworkOptions options)
    {
        var detector = new StaDetector(options);
        try
        {
            Load(detector, path);
            detector.eval();
            return detector;
        }
        catch
        {
            detector.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes the detector's state_dict with the official key names: safetensors when <paramref name="path"/> ends in
    /// <c>.safetensors</c>, otherwise a PyTorch zip checkpoint (what <c>torch.load</c> reads).
    /// </summary>
    public static void Save(StaDetector detector, string path) =>
        Save(detector, path, path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? CheckpointFormat.SafeTensors : CheckpointFormat.PyTorch);

    internal static void Save(StaDetector detector, string path, CheckpointFormat format)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var scope = NewDisposeScope();
        var ordered = new OrderedStateDict(PyTorchStateDictOrder.Entries(detector));
        StateDictFile.Save(path, ordered, format);
    }
}

/// <summary>A read-only name → tensor map that enumerates in insertion order.</summary>
internal sealed class OrderedStateDict(IReadOnlyList<KeyValuePair<string, Tensor>> entries) : IReadOnlyDictionary<string, Tensor>
{
    private readonly Dictionary<string, Tensor> _lookup = entries.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);

    public Tensor this[string key] => _lookup[key];
    public IEnumerable<string> Keys => entries.Select(e => e.Key);
    public IEnumerable<Tensor> Values => entries.Select(e => e.Value);
    public int Count => entries.Count;
    public bool ContainsKey(string key) => _lookup.ContainsKey(key);
    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out Tensor value) => _lookup.TryGetValue(key, out value);
    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() => entries.GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// Copies a state_dict into a module by exact name and shape. Strips one leading <c>module.</c> (DataParallel/DDP
/// checkpoints), treats <c>num_batches_tracked</c> as optional, and otherwise refuses any difference with a single
/// <see cref="CheckpointMismatchException"/> naming every offending key — never a silent partial load.
/// </summary>
internal static class StateDictBinder
{
    private const string DataParallelPrefix = "module.";
    private const string BatchCounterSuffix = "num_batches_tracked";

    /// <summary>Loads <paramref name="source"/> into <paramref name="module"/>; returns the number of tensors copied.</summary>
    /// <param name="sourceName">Used in error messages (usually the file path).</param>
    public static int Apply(nn.Module module, IReadOnlyDictionary<string, Tensor> source, string sourceName)
    {
        var normalised = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, value) in source)
            normalised[key.StartsWith(DataParallelPrefix, StringComparison.Ordinal) ? key[DataParallelPrefix.Length..] : key] = value;

        var target = module.state_dict();
        var missing = new List<string>();
        var misShaped = new List<string>();
        foreach (var (key, tensor) in target)
        {
            if (!normalised.TryGetValue(key, out var incoming))
            {
                if (!key.EndsWith(BatchCounterSuffix, StringComparison.Ordinal)) missing.Add(key);
                continue;
            }
            if (!incoming.shape.SequenceEqual(tensor.shape))
                misShaped.Add($"{key}: checkpoint [{string.Join(",", incoming.shape)}] vs network [{string.Join(",", tensor.shape)}]");
        }
        var unexpected = normalised.Keys.Where(k => !target.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (missing.Count + misShaped.Count + unexpected.Count > 0)
            throw new CheckpointMismatchException(sourceName, missing, unexpected, misShaped);

        int copied = 0;
        using (no_grad())
        {
            foreach (var (key, tensor) in target)
            {
                if (!normalised.TryGetValue(key, out var incoming)) continue;
                tensor.copy_(incoming);
                copied++;
            }
        }
        return copied;
    }
}

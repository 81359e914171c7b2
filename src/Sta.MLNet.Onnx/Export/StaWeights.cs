using Sta.MLNet;
using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet.Onnx.Export;

/// <summary>
/// A detector's float tensors as host arrays under their state_dict names (bf16 weights widened to float32). The graph
/// writer works on these arrays only, so every folding and transposition is plain C# arithmetic on the exact stored values.
/// </summary>
internal sealed class StaWeights
{
    private readonly Dictionary<string, (float[] Data, long[] Shape)> _entries;

    private StaWeights(Dictionary<string, (float[] Data, long[] Shape)> entries) => _entries = entries;

    public static StaWeights FromDetector(StaDetector detector)
    {
        var entries = new Dictionary<string, (float[] Data, long[] Shape)>(StringComparer.Ordinal);
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        foreach (var (name, tensor) in PyTorchStateDictOrder.Entries(detector))
        {
            if (tensor.dtype is not (ScalarType.Float32 or ScalarType.BFloat16)) continue; // num_batches_tracked
            var host = tensor.detach().to_type(ScalarType.Float32).cpu().contiguous();
            entries[name] = (host.data<float>().ToArray(), host.shape);
        }
        return new StaWeights(entries);
    }

    /// <summary>The named tensor, checked against the shape the network options imply.</summary>
    public float[] Get(string name, params long[] shape)
    {
        if (!_entries.TryGetValue(name, out var entry))
            throw new InvalidOperationException($"The detector has no tensor '{name}'.");
        if (!entry.Shape.SequenceEqual(shape))
            throw new InvalidOperationException(
                $"Tensor '{name}' has shape [{string.Join(", ", entry.Shape)}]; the network options say [{string.Join(", ", shape)}].");
        return entry.Data;
    }
}

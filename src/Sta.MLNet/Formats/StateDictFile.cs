using System.Collections;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>Reads and writes flat state_dicts (name → tensor) in PyTorch zip or safetensors format.</summary>
internal static class StateDictFile
{
    /// <summary>Detects the container format from the file's first bytes (not its extension).</summary>
    public static CheckpointFormat DetectFormat(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Checkpoint not found: {path}", path);
        Span<byte> head = stackalloc byte[16];
        int read;
        using (var stream = File.OpenRead(path)) read = stream.Read(head);
        if (read >= 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] == 3 && head[3] == 4)
            return CheckpointFormat.PyTorch;
        if (read >= 9 && head[8] == (byte)'{')
            return CheckpointFormat.SafeTensors;
        if (read >= 2 && head[0] == 0x80)
            throw new InvalidDataException(
                $"{path} is in PyTorch's legacy (pre-1.6, non-zip) format, which cannot be read without Python. Re-save it once with " +
                "torch.save(torch.load(path), new_path) under PyTorch >= 1.6, or convert it to .safetensors.");
        throw new InvalidDataException($"{path} is neither a PyTorch zip checkpoint nor a safetensors file.");
    }

    /// <summary>
    /// Loads every tensor of a state_dict file on the CPU. A <c>torch.save</c>d dict that wraps the weights
    /// (<c>{"state_dict": …}</c> or <c>{"model": …}</c>) is unwrapped.
    /// </summary>
    public static Dictionary<string, Tensor> Load(string path)
    {
        var format = DetectFormat(path);
        // The readers make temporary tensors as they go; inside a scope none of them can be finalized while libtorch
        // still reads it. The state_dict's own tensors leave the scope (to the caller's, when one is open).
        using var scope = NewDisposeScope();
        try
        {
            var stateDict = format == CheckpointFormat.SafeTensors
                ? Safetensors.LoadStateDict(path)
                : Flatten(PyTorchUnpickler.UnpickleStateDict(path), path);
            foreach (var tensor in stateDict.Values) tensor.MoveToOuterDisposeScope();
            return stateDict;
        }
        catch (Exception e) when (e is not CheckpointMismatchException)
        {
            throw new InvalidDataException($"Cannot read checkpoint {path}: {e.Message}", e);
        }
    }

    /// <summary>Writes a state_dict; the PyTorch format is loadable with <c>torch.load</c>.</summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> stateDict, CheckpointFormat format)
    {
        // Writers store a tensor's own elements; a view into a larger buffer (e.g. parameters flattened by the
        // optimizer) is written from a compact copy so that offsets and strides in the file are plain.
        using var scope = NewDisposeScope();
        stateDict = stateDict.ToDictionary(p => p.Key, p => p.Value.storage_offset() != 0 || !p.Value.is_contiguous()
            ? p.Value.detach().contiguous().clone() : p.Value);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        if (format == CheckpointFormat.SafeTensors)
        {
            Safetensors.SaveStateDict(path, stateDict.ToDictionary(p => p.Key, p => p.Value));
            return;
        }
        var table = new System.Collections.Specialized.OrderedDictionary(StringComparer.Ordinal); // keeps the key order in the file
        foreach (var (key, value) in stateDict) table[key] = value;
        PyTorchPickler.PickleStateDict(path, table);
    }

    private static Dictionary<string, Tensor> Flatten(Hashtable table, string path)
    {
        foreach (var wrapper in new[] { "state_dict", "model", "model_state_dict" })
        {
            if (table.ContainsKey(wrapper) && table[wrapper] is Hashtable inner && table.Values.OfType<Tensor>().Count() == 0)
                return Flatten(inner, path);
        }
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is not string key)
                throw new InvalidDataException($"Checkpoint {path} has a non-string key ({entry.Key}); expected a flat state_dict.");
            if (entry.Value is not Tensor tensor)
                throw new InvalidDataException($"Checkpoint {path}: entry '{key}' is not a tensor ({entry.Value?.GetType().Name ?? "null"}); expected a flat state_dict.");
            result[key] = tensor;
        }
        return result;
    }
}

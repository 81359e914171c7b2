using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// A module's state in PyTorch's order. TorchSharp's <c>state_dict()</c> lists all parameters before all buffers;
/// PyTorch lists, module by module, its own parameters, its own buffers, then its children. Files we write use
/// PyTorch's order so they diff cleanly against official checkpoints.
/// </summary>
internal static class PyTorchStateDictOrder
{
    public static List<KeyValuePair<string, Tensor>> Entries(nn.Module module)
    {
        var result = new List<KeyValuePair<string, Tensor>>();
        Collect(module, "", result);
        return result;
    }

    private static void Collect(nn.Module module, string prefix, List<KeyValuePair<string, Tensor>> result)
    {
        foreach (var (name, parameter) in module.named_parameters(recurse: false))
            result.Add(new(prefix + name, parameter));
        foreach (var (name, buffer) in module.named_buffers(recurse: false))
            result.Add(new(prefix + name, buffer));
        foreach (var (name, child) in module.named_children())
            Collect(child, prefix + name + ".", result);
    }
}

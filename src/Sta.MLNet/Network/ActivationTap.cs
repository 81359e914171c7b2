using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// Records named intermediate activations during a forward pass (detached copies that outlive any dispose scope).
/// Point ids follow the parity fixtures: <c>ln_pre</c>, <c>block[i].attn</c>, <c>block[i].adapter.in</c>,
/// <c>block[i].adapter.gelu1</c>, <c>block[i].adapter.s_conv{k}</c>, <c>block[i].adapter.t_conv{k}</c>,
/// <c>block[i].adapter.xattn.in_spatial|in_temporal|s2t|t2s</c>, <c>block[i].adapter.out</c>, <c>block[i].out</c>.
/// Used by parity tests and for debugging; costs nothing when no tap is attached.
/// </summary>
internal sealed class ActivationTap : IDisposable
{
    private readonly Dictionary<string, Tensor> _recorded = new(StringComparer.Ordinal);
    private readonly HashSet<string>? _wanted;

    /// <param name="wanted">Only these point ids are recorded; null records every point.</param>
    public ActivationTap(IEnumerable<string>? wanted = null)
    {
        _wanted = wanted is null ? null : new HashSet<string>(wanted, StringComparer.Ordinal);
    }

    public IReadOnlyDictionary<string, Tensor> Recorded => _recorded;

    internal void Record(string point, Tensor value)
    {
        if (_wanted is not null && !_wanted.Contains(point)) return;
        var copy = value.detach().clone().DetachFromDisposeScope();
        if (_recorded.Remove(point, out var previous)) previous.Dispose();
        _recorded[point] = copy;
    }

    public void Dispose()
    {
        foreach (var tensor in _recorded.Values) tensor.Dispose();
        _recorded.Clear();
    }
}

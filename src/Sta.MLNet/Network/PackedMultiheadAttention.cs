using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// Sequence-first multi-head attention with PyTorch's packed parameters: <c>in_proj_weight</c> [3E, E] holds the rows
/// W_q, W_k, W_v; <c>in_proj_bias</c> [3E]; <c>out_proj</c> Linear(E, E). Heads are contiguous slices of E, and q is
/// scaled by 1/√d before q·kᵀ (PyTorch's order). Written by hand so that the arithmetic, the parameter names and the
/// choice of a fused kernel are ours to control.
/// </summary>
internal sealed class PackedMultiheadAttention : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
#pragma warning disable IDE1006 // PyTorch attribute names: they are the state_dict keys.
    private readonly Parameter in_proj_weight;
    private readonly Parameter in_proj_bias;
    private readonly Linear out_proj;
#pragma warning restore IDE1006
    private readonly int _embed;
    private readonly int _heads;
    private readonly AttentionKernel _kernel;

    /// <param name="generator">Draws PyTorch's default initial weights; null leaves them to be loaded (or on the META device).</param>
    public PackedMultiheadAttention(int embedDim, int heads, AttentionKernel kernel, Device? device = null, Generator? generator = null)
        : base(nameof(PackedMultiheadAttention))
    {
        _embed = embedDim;
        _heads = heads;
        _kernel = kernel;
        in_proj_weight = new Parameter(empty(3L * embedDim, embedDim, dtype: float32, device: device));
        in_proj_bias = new Parameter(zeros(3L * embedDim, dtype: float32, device: device));
        out_proj = nn.Linear(embedDim, embedDim, hasBias: true, device: device);
        if (generator is not null)
        {
            // PyTorch's MultiheadAttention initialisation, in its order: out_proj as a Linear, then the xavier-uniform
            // packed projection, zero biases.
            DefaultInitialization.Linear(out_proj, generator);
            DefaultInitialization.XavierUniform(in_proj_weight, generator);
            DefaultInitialization.Zeros(out_proj.bias!);
        }
        RegisterComponents();
    }

    /// <summary>Attention of <paramref name="query"/> [Lq, N, E] over <paramref name="key"/>/<paramref name="value"/> [Lk, N, E].</summary>
    public override Tensor forward(Tensor query, Tensor key, Tensor value)
    {
        using var scope = NewDisposeScope();
        long queryLength = query.shape[0], batch = query.shape[1], keyLength = key.shape[0];
        long headDim = _embed / _heads;
        // Three projections rather than one packed GEMM: the packed result would have to be split into three
        // non-contiguous slices and copied before the head reshape, an extra pass over q, k and v in every block.
        var projections = in_proj_weight.chunk(3, 0);
        var biases = in_proj_bias.chunk(3, 0);
        var q = ComputePrecision.Linear(query, projections[0], biases[0]);
        var k = ComputePrecision.Linear(key, projections[1], biases[1]);
        var v = ComputePrecision.Linear(value, projections[2], biases[2]);
        // [L, N, E] -> [N*heads, L, d]: head h of batch n is row n*heads + h, matching PyTorch's layout.
        q = q.contiguous().view(queryLength, batch * _heads, headDim).transpose(0, 1);
        k = k.contiguous().view(keyLength, batch * _heads, headDim).transpose(0, 1);
        v = v.contiguous().view(keyLength, batch * _heads, headDim).transpose(0, 1);

        Tensor attended;
        if (_kernel == AttentionKernel.Fused)
        {
            attended = nn.functional.scaled_dot_product_attention(q, k, v);
        }
        else
        {
            q = q.Multiply(1.0 / Math.Sqrt(headDim));
            var scores = bmm(q, k.transpose(1, 2));
            var probabilities = ReducedPrecision.Softmax(scores);
            attended = bmm(probabilities, v);
        }
        var merged = attended.transpose(0, 1).contiguous().view(queryLength, batch, _embed);
        return ComputePrecision.Linear(out_proj, merged).MoveToOuterDisposeScope();
    }
}

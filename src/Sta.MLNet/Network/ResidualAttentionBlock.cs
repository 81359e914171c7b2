using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// One CLIP residual attention block (per-frame self-attention + QuickGELU MLP, pre-LayerNorm) followed by its StA
/// adapter: a = x + attn(ln_1(x)); b = a + mlp(ln_2(a)); out = Adapter(b). The adapter field is named
/// <c>Adapter</c> with a capital A, as in the official state_dict.
/// </summary>
internal sealed class ResidualAttentionBlock : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // PyTorch attribute names: they are the state_dict keys.
    private readonly Fp32LayerNorm ln_1;
    private readonly PackedMultiheadAttention attn;
    private readonly Fp32LayerNorm ln_2;
    private readonly Sequential mlp;
    private readonly StaAdapter Adapter;
#pragma warning restore IDE1006
    private ActivationTap? _tap;
    // Set after RegisterComponents so they are not registered a second time under these names.
    private readonly Linear _mlpIn;
    private readonly Linear _mlpOut;
    private readonly int _index;

    public ResidualAttentionBlock(StaNetworkOptions options, int index, Device? device = null, Generator? generator = null)
        : base(nameof(ResidualAttentionBlock))
    {
        _index = index;
        ln_1 = new Fp32LayerNorm(options.Width, options.LayerNormEpsilon, device);
        attn = new PackedMultiheadAttention(options.Width, options.Heads, options.AttentionKernel, device, generator);
        ln_2 = new Fp32LayerNorm(options.Width, options.LayerNormEpsilon, device);
        mlp = nn.Sequential(
            ("c_fc", Linear(options.Width, options.MlpWidth)),
            ("gelu", new QuickGelu()),
            ("c_proj", Linear(options.MlpWidth, options.Width)));
        Adapter = new StaAdapter(options, device, generator) { TapPrefix = $"block[{index}].adapter" };
        RegisterComponents();
        _mlpIn = (Linear)mlp[0];
        _mlpOut = (Linear)mlp[2];

        Linear Linear(int inputs, int outputs)
        {
            var layer = nn.Linear(inputs, outputs, device: device);
            if (generator is not null) DefaultInitialization.Linear(layer, generator);
            return layer;
        }
    }

    /// <summary>The block's adapter (for initialisation and freezing).</summary>
    public StaAdapter StaAdapter => Adapter;

    internal ActivationTap? Tap
    {
        get => _tap;
        set
        {
            _tap = value;
            Adapter.Tap = value;
        }
    }

    /// <param name="input">Sequence-first tokens [N, B·T, Width].</param>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var normalised = ln_1.forward(input);
        var attended = attn.forward(normalised, normalised, normalised);
        _tap?.Record($"block[{_index}].attn", attended);
        var x = input.Add(attended);
        var hidden = ComputePrecision.Linear(_mlpIn, ln_2.forward(x));
        x = x.Add(ComputePrecision.Linear(_mlpOut, hidden.mul(sigmoid(hidden.Multiply(1.702))))); // CLIP's QuickGELU
        var output = Adapter.forward(x);
        _tap?.Record($"block[{_index}].out", output);
        return output.MoveToOuterDisposeScope();
    }
}

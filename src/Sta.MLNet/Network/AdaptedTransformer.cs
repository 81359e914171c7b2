using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>The stack of residual blocks; holds them in a ModuleList named <c>resblocks</c> (keys <c>transformer.resblocks.{i}.…</c>).</summary>
internal sealed class AdaptedTransformer : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // PyTorch attribute names: they are the state_dict keys.
    private readonly ModuleList<ResidualAttentionBlock> resblocks;
#pragma warning restore IDE1006

    public AdaptedTransformer(StaNetworkOptions options, Device? device = null, Generator? generator = null) : base(nameof(AdaptedTransformer))
    {
        resblocks = new ModuleList<ResidualAttentionBlock>();
        for (int i = 0; i < options.Layers; i++) resblocks.Add(new ResidualAttentionBlock(options, i, device, generator));
        RegisterComponents();
    }

    public IReadOnlyList<ResidualAttentionBlock> Blocks => resblocks.ToList();

    internal void SetTap(ActivationTap? tap)
    {
        foreach (var block in resblocks) block.Tap = tap;
    }

    public override Tensor forward(Tensor input)
    {
        var x = input;
        foreach (var block in resblocks)
        {
            var next = block.forward(x);
            if (!ReferenceEquals(x, input)) x.Dispose();
            x = next;
        }
        return ReferenceEquals(x, input) ? input.alias() : x;
    }
}

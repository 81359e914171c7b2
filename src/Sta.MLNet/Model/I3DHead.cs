using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sta.MLNet.Model;

/// <summary>Mean over frames (and the singleton spatial axes), dropout, linear classifier <c>fc_cls</c>.</summary>
public sealed class I3DHead : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // PyTorch attribute names: they are the state_dict keys.
    private readonly Linear fc_cls;
#pragma warning restore IDE1006
    private readonly Dropout _dropout;

    public I3DHead(int inChannels, int numClasses, double dropout, Device? device = null) : base(nameof(I3DHead))
    {
        fc_cls = nn.Linear(inChannels, numClasses, device: device);
        _dropout = nn.Dropout(dropout);
        RegisterComponents();
    }

    /// <param name="features">[B, C, T, 1, 1] per-frame features.</param>
    /// <returns>Logits [B, NumClasses].</returns>
    public override Tensor forward(Tensor features)
    {
        using var scope = NewDisposeScope();
        var pooled = features.mean([2, 3, 4]);
        return fc_cls.forward(_dropout.forward(pooled)).MoveToOuterDisposeScope();
    }
}

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>Mean over frames (and the singleton spatial axes), dropout, linear classifier <c>fc_cls</c>.</summary>
internal sealed class I3DHead : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // PyTorch attribute names: they are the state_dict keys.
    private readonly Linear fc_cls;
#pragma warning restore IDE1006
    private readonly double _dropout;

    public I3DHead(int inChannels, int numClasses, double dropout, Device? device = null, Generator? generator = null) : base(nameof(I3DHead))
    {
        fc_cls = nn.Linear(inChannels, numClasses, device: device);
        if (generator is not null) DefaultInitialization.Linear(fc_cls, generator);
        _dropout = dropout;
        RegisterComponents();
    }

    /// <summary>
    /// Source of the dropout masks in training mode (a CPU generator). Null uses libtorch's global generator; the trainer
    /// sets a generator per step so that dropout is reproducible and independent of other threads and devices.
    /// </summary>
    public Generator? DropoutGenerator { get; set; }

    /// <param name="features">[B, C, T, 1, 1] per-frame features.</param>
    /// <returns>Logits [B, NumClasses].</returns>
    public override Tensor forward(Tensor features)
    {
        using var scope = NewDisposeScope();
        var pooled = features.mean([2, 3, 4]);
        if (training && _dropout > 0)
        {
            // Inverted dropout, drawn from our own generator (TorchSharp's Dropout cannot take one).
            // The mask is drawn on the CPU (a few thousand values) and moved: CPU generators behave the same everywhere.
            // A plain copy to the GPU would synchronise the stream in the middle of every training step.
            var keep = HostBatch.MoveWithoutStall(rand(pooled.shape, generator: DropoutGenerator, dtype: ScalarType.Float32).GreaterOrEqual(_dropout), pooled.device);
            pooled = pooled.mul(keep.to_type(pooled.dtype)).Divide(1 - _dropout);
        }
        return ComputePrecision.Linear(fc_cls, pooled).MoveToOuterDisposeScope();
    }
}

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// Batch normalisation of [B, C, T, H, W] volumes with running statistics: PyTorch's BatchNorm3d with a fixed momentum,
/// with the same state_dict entries (<c>weight</c>, <c>bias</c>, <c>running_mean</c>, <c>running_var</c>,
/// <c>num_batches_tracked</c>). Ours rather than TorchSharp's because TorchSharp's counts batches with an implicitly
/// created Scalar that the GC may free while libtorch reads it (see <see cref="ScalarArithmetic"/>).
/// </summary>
internal sealed class VolumeBatchNorm : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // PyTorch attribute names: they are the state_dict keys (registration order matters).
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly Tensor running_mean;
    private readonly Tensor running_var;
    private readonly Tensor num_batches_tracked;
#pragma warning restore IDE1006
    private readonly double _epsilon;
    private readonly double _momentum;

    public VolumeBatchNorm(long channels, double epsilon, double momentum, Device? device = null) : base("BatchNorm3d")
    {
        _epsilon = epsilon;
        _momentum = momentum;
        weight = new Parameter(ones(channels, dtype: ScalarType.Float32, device: device));
        bias = new Parameter(zeros(channels, dtype: ScalarType.Float32, device: device));
        running_mean = zeros(channels, dtype: ScalarType.Float32, device: device);
        running_var = ones(channels, dtype: ScalarType.Float32, device: device);
        num_batches_tracked = zeros([], dtype: ScalarType.Int64, device: device);
        RegisterComponents();
    }

    /// <param name="volume">[B, C, T, H, W].</param>
    public override Tensor forward(Tensor volume)
    {
        if (volume.dim() != 5)
            throw new ArgumentException($"Batch normalisation of volumes expects [B, C, T, H, W], got [{string.Join(", ", volume.shape)}].", nameof(volume));
        if (training)
        {
            // The count is kept for checkpoint compatibility only: with a fixed momentum nothing reads it.
            using (no_grad()) num_batches_tracked.IncrementInPlace();
        }
        // In training libtorch normalises with the batch statistics and updates the running ones in place; in eval it
        // normalises with the running statistics.
        return nn.functional.batch_norm(volume, running_mean, running_var, weight, bias, training, _momentum, _epsilon);
    }
}

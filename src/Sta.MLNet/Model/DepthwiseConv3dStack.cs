using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sta.MLNet.Model;

/// <summary>
/// conv-BN-ReLU-conv-BN-ReLU-conv-BN over a [B, C, T, H, W] volume with depthwise (groups = C) Conv3d of one kernel
/// shape and same-size zero padding. With a (1, k, k) kernel it mixes space only, with (k, 1, 1) time only: the
/// "two-stream" spatial and temporal learners of StA. No ReLU after the last BatchNorm.
/// </summary>
public sealed class DepthwiseConv3dStack : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // PyTorch attribute names: they are the state_dict keys.
    private readonly Conv3d conv1;
    private readonly BatchNorm3d bn1;
    private readonly Conv3d conv2;
    private readonly BatchNorm3d bn2;
    private readonly Conv3d conv3;
    private readonly BatchNorm3d bn3;
#pragma warning restore IDE1006
    private readonly long[] _padding;
    private readonly long _groups;

    public DepthwiseConv3dStack(int channels, (long T, long H, long W) kernel, double bnEpsilon, double bnMomentum, Device? device = null)
        : base(nameof(DepthwiseConv3dStack))
    {
        Conv3d Conv() => nn.Conv3d(channels, channels, kernel, stride: (1, 1, 1),
            padding: (kernel.T / 2, kernel.H / 2, kernel.W / 2), groups: channels, bias: true, device: device);
        BatchNorm3d Norm() => nn.BatchNorm3d(channels, eps: bnEpsilon, momentum: bnMomentum, affine: true,
            track_running_stats: true, device: device);
        _padding = [kernel.T / 2, kernel.H / 2, kernel.W / 2];
        _groups = channels;
        conv1 = Conv();
        bn1 = Norm();
        conv2 = Conv();
        bn2 = Norm();
        conv3 = Conv();
        bn3 = Norm();
        RegisterComponents();
    }

    public override Tensor forward(Tensor volume)
    {
        using var scope = NewDisposeScope();
        var x = nn.functional.relu(bn1.forward(ComputePrecision.Conv3d(conv1, volume, _padding, _groups)));
        x = nn.functional.relu(bn2.forward(ComputePrecision.Conv3d(conv2, x, _padding, _groups)));
        return bn3.forward(ComputePrecision.Conv3d(conv3, x, _padding, _groups)).MoveToOuterDisposeScope();
    }
}

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// conv-BN-ReLU-conv-BN-ReLU-conv-BN over a [B, C, T, H, W] volume with depthwise (groups = C) Conv3d of one kernel
/// shape and same-size zero padding. With a (1, k, k) kernel it mixes space only, with (k, 1, 1) time only: the
/// "two-stream" spatial and temporal learners of StA. No ReLU after the last BatchNorm.
/// </summary>
internal sealed class DepthwiseConv3dStack : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // PyTorch attribute names: they are the state_dict keys.
    private readonly Conv3d conv1;
    private readonly VolumeBatchNorm bn1;
    private readonly Conv3d conv2;
    private readonly VolumeBatchNorm bn2;
    private readonly Conv3d conv3;
    private readonly VolumeBatchNorm bn3;
#pragma warning restore IDE1006
    private readonly long[] _kernel;
    private readonly long[] _padding;
    private readonly long _groups;

    public DepthwiseConv3dStack(int channels, (long T, long H, long W) kernel, double bnEpsilon, double bnMomentum, Device? device = null,
        Generator? generator = null)
        : base(nameof(DepthwiseConv3dStack))
    {
        Conv3d Conv()
        {
            var conv = nn.Conv3d(channels, channels, kernel, stride: (1, 1, 1),
                padding: (kernel.T / 2, kernel.H / 2, kernel.W / 2), groups: channels, bias: true, device: device);
            if (generator is not null) DefaultInitialization.Convolution(conv.weight!, conv.bias, generator);
            return conv;
        }
        VolumeBatchNorm Norm() => new(channels, bnEpsilon, bnMomentum, device);
        _kernel = [kernel.T, kernel.H, kernel.W];
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

    /// <summary>Set by <see cref="StaDetector.DepthwiseConvolution"/>.</summary>
    internal DepthwiseConvolution Convolution { get; set; } = DepthwiseConvolution.Auto;

    public override Tensor forward(Tensor volume)
    {
        using var scope = NewDisposeScope();
        var output = Resolve(Convolution, volume.device_type) switch
        {
            DepthwiseConvolution.Planar => ForwardPlanar(volume),
            DepthwiseConvolution.ChannelsLast => ForwardVolumetric(VolumeLayout.ToChannelsLast(volume)),
            _ => ForwardVolumetric(volume),
        };
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>What <see cref="DepthwiseConvolution.Auto"/> means on <paramref name="device"/>.</summary>
    internal static DepthwiseConvolution Resolve(DepthwiseConvolution convolution, DeviceType device) =>
        convolution != DepthwiseConvolution.Auto ? convolution
        : device == DeviceType.CUDA ? DepthwiseConvolution.Volumetric
        : DepthwiseConvolution.ChannelsLast;

    private Tensor ForwardVolumetric(Tensor volume)
    {
        var x = nn.functional.relu(bn1.forward(ComputePrecision.Conv3d(conv1, volume, _padding, _groups)));
        x = nn.functional.relu(bn2.forward(ComputePrecision.Conv3d(conv2, x, _padding, _groups)));
        return bn3.forward(ComputePrecision.Conv3d(conv3, x, _padding, _groups));
    }

    private Tensor ForwardPlanar(Tensor volume)
    {
        long b = volume.shape[0], c = volume.shape[1], t = volume.shape[2], h = volume.shape[3], w = volume.shape[4];
        bool spatial = _kernel[0] == 1;
        // Spatial: frames become the batch of a 2-D convolution. Temporal: H and W merge into one axis the (k, 1)
        // kernel does not mix, so the volume is only viewed differently.
        var x = spatial ? volume.transpose(1, 2).reshape(b * t, c, h, w) : volume.view(b, c, t, h * w);
        long[] kernel = spatial ? [_kernel[1], _kernel[2]] : [_kernel[0], 1];
        long[] padding = spatial ? [_padding[1], _padding[2]] : [_padding[0], 0];
        // The norm takes 5-D input; a trailing unit axis leaves its per-channel statistics as they are.
        Tensor Norm(VolumeBatchNorm norm, Tensor planes) => norm.forward(planes.unsqueeze(-1)).squeeze(-1);
        Tensor Conv(Conv3d conv, Tensor planes) =>
            ComputePrecision.Conv2d(planes, conv.weight!.view(c, 1, kernel[0], kernel[1]), conv.bias, padding, _groups);
        x = nn.functional.relu(Norm(bn1, Conv(conv1, x)));
        x = nn.functional.relu(Norm(bn2, Conv(conv2, x)));
        x = Norm(bn3, Conv(conv3, x));
        return spatial ? x.view(b, t, c, h, w).transpose(1, 2) : x.view(b, c, t, h, w);
    }
}

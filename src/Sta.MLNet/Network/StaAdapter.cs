using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// The spatiotemporal adapter placed after each block's MLP residual: down-projection + GELU; the patch tokens of the
/// clip arranged as a [B, E, T, H, W] volume; three spatial and three temporal depthwise stacks whose means (plus the
/// volume itself) form the two streams; bidirectional cross-attention; GELU of the mean of its two outputs; the class
/// token bypasses the 3-D path; up-projection + GELU + skip. With <c>up</c> zeroed the adapter is an exact identity
/// (GELU(0) = 0), which is how training starts from CLIP.
/// </summary>
internal sealed class StaAdapter : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // PyTorch attribute names: they are the state_dict keys (registration order matters).
    private readonly Linear down;
    private readonly DepthwiseConv3dStack s_conv1;
    private readonly DepthwiseConv3dStack s_conv2;
    private readonly DepthwiseConv3dStack s_conv3;
    private readonly DepthwiseConv3dStack t_conv1;
    private readonly DepthwiseConv3dStack t_conv2;
    private readonly DepthwiseConv3dStack t_conv3;
    private readonly Linear up;
    private readonly SpatioTemporalCrossAttention cross_attention;
#pragma warning restore IDE1006
    private readonly int _frames;
    private readonly int _grid;

    internal ActivationTap? Tap { get; set; }
    internal string TapPrefix { get; set; } = "adapter";

    /// <summary>Set by <see cref="StaDetector.DepthwiseConvolution"/>: also decides the layout the adapter builds its volume in.</summary>
    internal DepthwiseConvolution Convolution { get; set; } = DepthwiseConvolution.Auto;

    public StaAdapter(StaNetworkOptions options, Device? device = null, Generator? generator = null) : base(nameof(StaAdapter))
    {
        if (options.SpatialKernels.Count != 3 || options.TemporalKernels.Count != 3)
            throw new ArgumentException("The StA adapter has exactly three spatial and three temporal depthwise stacks (s_conv1..3, t_conv1..3).");
        _frames = options.NumFrames;
        _grid = options.GridSize;
        int e = options.AdapterWidth;
        DepthwiseConv3dStack Stack(long kt, long kh, long kw) =>
            new(e, (kt, kh, kw), options.BatchNormEpsilon, options.BatchNormMomentum, device, generator);
        down = Linear(options.Width, e);
        s_conv1 = Stack(1, options.SpatialKernels[0], options.SpatialKernels[0]);
        s_conv2 = Stack(1, options.SpatialKernels[1], options.SpatialKernels[1]);
        s_conv3 = Stack(1, options.SpatialKernels[2], options.SpatialKernels[2]);
        t_conv1 = Stack(options.TemporalKernels[0], 1, 1);
        t_conv2 = Stack(options.TemporalKernels[1], 1, 1);
        t_conv3 = Stack(options.TemporalKernels[2], 1, 1);
        up = Linear(e, options.Width);
        cross_attention = new SpatioTemporalCrossAttention(e, options.CrossAttentionHeads, options.BatchSemantics,
            options.CrossAttentionKernel ?? options.AttentionKernel, device, generator);
        RegisterComponents();
        ZeroUpProjection();

        Linear Linear(int inputs, int outputs)
        {
            var layer = nn.Linear(inputs, outputs, device: device);
            if (generator is not null) DefaultInitialization.Linear(layer, generator);
            return layer;
        }
    }

    /// <summary>Makes the adapter an exact identity (the initialisation the paper's training starts from).</summary>
    public void ZeroUpProjection()
    {
        using var guard = no_grad();
        up.weight!.zero_();
        up.bias!.zero_();
    }

    /// <param name="input">Sequence-first tokens [N = 1 + H·W, B·T, Width], frame index b·T + t.</param>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        long tokens = input.shape[0], frames = input.shape[1];
        long clips = frames / _frames;
        long patches = (long)_grid * _grid;
        if (tokens != patches + 1 || frames % _frames != 0)
            throw new ArgumentException($"Adapter input {string.Join("x", input.shape)} does not match {_grid}x{_grid} patches + CLS and {_frames}-frame clips.");
        Tap?.Record($"{TapPrefix}.in", input);

        var z = nn.functional.gelu(ComputePrecision.Linear(down, input));
        Tap?.Record($"{TapPrefix}.gelu1", z);
        var cls = z.narrow(0, 0, 1);
        long e = z.shape[2];
        // [HW, B*T, E] -> [B, E, T, H, W]: contiguous as the official code, or channels-last (memory B, T, H, W, E).
        var volume = DepthwiseConv3dStack.Resolve(Convolution, input.device_type) == DepthwiseConvolution.ChannelsLast
            ? VolumeLayout.ChannelsLastFromTokens(z.narrow(0, 1, patches), clips, _frames, _grid)
            : z.narrow(0, 1, patches).permute(1, 2, 0).reshape(clips, _frames, e, _grid, _grid).permute(0, 2, 1, 3, 4).contiguous();

        var s1 = s_conv1.forward(volume);
        var s2 = s_conv2.forward(volume);
        var s3 = s_conv3.forward(volume);
        var t1 = t_conv1.forward(volume);
        var t2 = t_conv2.forward(volume);
        var t3 = t_conv3.forward(volume);
        if (Tap is not null)
        {
            Tap.Record($"{TapPrefix}.s_conv1", s1);
            Tap.Record($"{TapPrefix}.s_conv2", s2);
            Tap.Record($"{TapPrefix}.s_conv3", s3);
            Tap.Record($"{TapPrefix}.t_conv1", t1);
            Tap.Record($"{TapPrefix}.t_conv2", t2);
            Tap.Record($"{TapPrefix}.t_conv3", t3);
        }
        var spatial = s1.Add(s2).Add(s3).Divide(3).Add(volume);
        var temporal = t1.Add(t2).Add(t3).Divide(3).Add(volume);
        Tap?.Record($"{TapPrefix}.xattn.in_spatial", spatial);
        Tap?.Record($"{TapPrefix}.xattn.in_temporal", temporal);

        var (s2t, t2s) = cross_attention.forward(spatial, temporal);
        Tap?.Record($"{TapPrefix}.xattn.s2t", s2t);
        Tap?.Record($"{TapPrefix}.xattn.t2s", t2s);
        var fused = nn.functional.gelu(s2t.Add(t2s).Divide(2));

        // [B, E, T, H, W] -> [B, T, E, H, W] -> [B*T, E, HW] -> [HW, B*T, E]
        var patchTokens = fused.permute(0, 2, 1, 3, 4).reshape(frames, e, patches).permute(2, 0, 1);
        var adapted = cat([cls, patchTokens], 0);
        var output = nn.functional.gelu(ComputePrecision.Linear(up, adapted)).Add(input);
        Tap?.Record($"{TapPrefix}.out", output);
        return output.MoveToOuterDisposeScope();
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// The StA deepfake video detector: <c>backbone</c> (CLIP ViT + temporal embedding + StA adapters) and <c>head</c>
/// (I3D head). Parameter names equal the official PyTorch state_dict keys, so the authors' checkpoint loads 1:1
/// (see <see cref="StaCheckpoint"/>). Adapters start as exact identities (<c>up</c> zeroed).
/// </summary>
public sealed class StaDetector : nn.Module<Tensor, StaOutput>
{
#pragma warning disable IDE1006 // PyTorch attribute names: they are the state_dict keys.
    private readonly ClipVisionBackbone backbone;
    private readonly I3DHead head;
#pragma warning restore IDE1006

    /// <param name="options">Hyper-parameters; see <see cref="StaPresets"/>.</param>
    /// <param name="device">Where parameters are allocated; <c>torch.META</c> builds the structure without memory.</param>
    /// <param name="seed">
    /// Seeds the initial weights, drawn with PyTorch's default initialisers from a generator of this network's own (the
    /// weights PyTorch gives after <c>torch.manual_seed(seed)</c>): equal seeds give equal networks on every device,
    /// whatever other threads draw from libtorch's global generator.
    /// </param>
    public StaDetector(StaNetworkOptions options, Device? device = null, long seed = 0) : base(nameof(StaDetector))
    {
        Options = options.Validate();
        // Construction makes tensors too, and TorchSharp's own layer constructors make some that nothing owns (a
        // convolution reads its fan-in through weight[0, 0]): built inside a scope, every temporary stays alive until
        // construction ends (docs/reliability.md, "Native handles"). Parameters and buffers then leave the scope for
        // the caller's, or for none, so only the temporaries are disposed here.
        using var scope = NewDisposeScope();
        using var generator = device?.type == DeviceType.META ? null : new Generator(unchecked((ulong)seed));
        backbone = new ClipVisionBackbone(options, device, generator);
        head = new I3DHead(options.Width, options.NumClasses, options.HeadDropout, device, generator);
        RegisterComponents();
        foreach (var (_, parameter) in named_parameters()) parameter.MoveToOuterDisposeScope();
        foreach (var (_, buffer) in named_buffers()) buffer.MoveToOuterDisposeScope();
    }

    /// <summary>The network's hyper-parameters (the preset it was built with).</summary>
    public StaNetworkOptions Options { get; private set; }

    /// <summary>
    /// Cross-attention batch semantics (see <see cref="CrossAttentionBatchSemantics"/>). Changing it changes no
    /// parameter: a detector trained or loaded with one semantics can score with the other.
    /// </summary>
    public CrossAttentionBatchSemantics BatchSemantics
    {
        get => Options.BatchSemantics;
        set
        {
            foreach (var (_, module) in named_modules())
                if (module is SpatioTemporalCrossAttention attention) attention.BatchSemantics = value;
            Options = Options with { BatchSemantics = value };
        }
    }

    private DepthwiseConvolution _depthwiseConvolution = DepthwiseConvolution.Auto;

    /// <summary>
    /// Which libtorch kernels compute the adapters' depthwise convolutions (see <see cref="DepthwiseConvolution"/>).
    /// An execution choice, like the device: it changes no parameter and is not saved with a model.
    /// </summary>
    internal DepthwiseConvolution DepthwiseConvolution
    {
        get => _depthwiseConvolution;
        set
        {
            foreach (var (_, module) in named_modules())
            {
                if (module is DepthwiseConv3dStack stack) stack.Convolution = value;
                if (module is StaAdapter adapter) adapter.Convolution = value;
            }
            _depthwiseConvolution = value;
        }
    }

    private ScalarType? _computeType;
    private ScalarType? _requestedComputeType;

    /// <summary>
    /// The dtype activations flow in. Null (default) follows the patch-embedding weights (float32 unless
    /// <see cref="StaPrecision.UseBFloat16ForInference"/> converted them). Set <see cref="ScalarType.BFloat16"/> for mixed
    /// precision: float32 weights are cast on the fly, LayerNorm, BatchNorm statistics, softmax and logits stay float32.
    /// </summary>
    public ScalarType? ComputeType
    {
        get => _requestedComputeType;
        set
        {
            _requestedComputeType = value;
            _computeType = null;
        }
    }

    /// <summary>Forget the cached activation dtype after the parameters changed precision.</summary>
    internal void ResetComputeType() => _computeType = null;

    internal ClipVisionBackbone Backbone => backbone;

    internal I3DHead Head => head;

    /// <summary>Attaches (or with null detaches) a recorder of intermediate activations.</summary>
    internal void AttachTap(ActivationTap? tap) => backbone.Tap = tap;

    /// <param name="clips">[B, T, 3, H, W] CLIP-normalised RGB clips; T and H, W must match the options.</param>
    public override StaOutput forward(Tensor clips)
    {
        if (clips.dim() != 5 || clips.shape[1] != Options.NumFrames || clips.shape[2] != 3 ||
            clips.shape[3] != Options.InputResolution || clips.shape[4] != Options.InputResolution)
        {
            throw new ArgumentException(
                $"StA expects clips [B, {Options.NumFrames}, 3, {Options.InputResolution}, {Options.InputResolution}], got [{string.Join(", ", clips.shape)}].",
                nameof(clips));
        }
        using var scope = NewDisposeScope();
        var computeType = _computeType ??= _requestedComputeType ?? StaPrecision.ComputeType(this);
        var features = backbone.forward(clips.dtype == computeType ? clips : clips.to_type(computeType));
        var logits = head.forward(features).to_type(ScalarType.Float32);
        var probability = logits.softmax(1).select(1, 1);
        return new StaOutput(logits.MoveToOuterDisposeScope(), probability.MoveToOuterDisposeScope(), features.MoveToOuterDisposeScope());
    }
}

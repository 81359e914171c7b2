using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// The bidirectional cross-attention between the spatial and the temporal stream of an adapter, over the T·H·W tokens
/// of a clip (t-major, then row-major h, w). Roles as in the official code: <c>spatial_to_temporal</c> takes the
/// TEMPORAL stream as query and the spatial stream as key/value; <c>temporal_to_spatial</c> the reverse.
/// </summary>
internal sealed class SpatioTemporalCrossAttention : nn.Module<Tensor, Tensor, (Tensor SpatialToTemporal, Tensor TemporalToSpatial)>
{
#pragma warning disable IDE1006 // PyTorch attribute names: they are the state_dict keys.
    private readonly PackedMultiheadAttention spatial_to_temporal;
    private readonly PackedMultiheadAttention temporal_to_spatial;
#pragma warning restore IDE1006
    private CrossAttentionBatchSemantics _semantics;

    public SpatioTemporalCrossAttention(int width, int heads, CrossAttentionBatchSemantics semantics, AttentionKernel kernel, Device? device = null,
        Generator? generator = null)
        : base(nameof(SpatioTemporalCrossAttention))
    {
        _semantics = semantics;
        spatial_to_temporal = new PackedMultiheadAttention(width, heads, kernel, device, generator);
        temporal_to_spatial = new PackedMultiheadAttention(width, heads, kernel, device, generator);
        RegisterComponents();
    }

    /// <summary>How a minibatch of several clips is treated; switchable at any time (no parameters depend on it).</summary>
    public CrossAttentionBatchSemantics BatchSemantics
    {
        get => _semantics;
        set => _semantics = value;
    }

    /// <param name="spatial">Xs [B, C, T, H, W].</param>
    /// <param name="temporal">Xt [B, C, T, H, W].</param>
    public override (Tensor SpatialToTemporal, Tensor TemporalToSpatial) forward(Tensor spatial, Tensor temporal)
    {
        using var scope = NewDisposeScope();
        var shape = spatial.shape;
        var spatialSequence = ToSequence(spatial);
        var temporalSequence = ToSequence(temporal);
        var s2t = spatial_to_temporal.forward(temporalSequence, spatialSequence, spatialSequence);
        var t2s = temporal_to_spatial.forward(spatialSequence, temporalSequence, temporalSequence);
        return (FromSequence(s2t, shape).MoveToOuterDisposeScope(), FromSequence(t2s, shape).MoveToOuterDisposeScope());
    }

    private Tensor ToSequence(Tensor volume)
    {
        long b = volume.shape[0], c = volume.shape[1], t = volume.shape[2], hw = volume.shape[3] * volume.shape[4];
        if (_semantics == CrossAttentionBatchSemantics.PerClip)
        {
            // [B, C, T, HW] -> [T*HW, B, C]: sequence index s = t*HW + p, batch index = clip. A view; in reduced precision
            // made contiguous once here rather than by each of the three projections that read it (ComputePrecision).
            var sequence = volume.reshape(b, c, t * hw).permute(2, 0, 1);
            return sequence.dtype == ScalarType.Float32 ? sequence : sequence.contiguous();
        }
        // The official path: [B, C, T, HW] -> [T, B, HW, C] -> row-major reinterpretation as [T*HW, B, C]. For B > 1
        // this moves tokens of different clips into the same attention "batch" (docs/design.md, "Cross-attention batch semantics"); kept literally for parity.
        return volume.reshape(b, c, t, hw).permute(2, 0, 3, 1).contiguous().reshape(t * hw, b, c);
    }

    private Tensor FromSequence(Tensor sequence, long[] shape)
    {
        long b = shape[0], c = shape[1], t = shape[2], h = shape[3], w = shape[4];
        if (_semantics == CrossAttentionBatchSemantics.PerClip)
            return sequence.permute(1, 2, 0).reshape(b, c, t, h, w);
        return sequence.reshape(t, h * w, b, c).permute(2, 3, 0, 1).reshape(b, c, t, h, w);
    }
}

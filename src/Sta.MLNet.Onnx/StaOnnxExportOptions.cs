using Sta.MLNet;

namespace Sta.MLNet.Onnx;

/// <summary>What <see cref="StaOnnxExporter"/> writes.</summary>
public sealed record StaOnnxExportOptions
{
    /// <summary>
    /// Quantize the weights of every linear layer of the blocks and adapters to int8 (per output channel, symmetric)
    /// and their inputs dynamically (per tensor, uint8); patch embedding, convolutions, LayerNorm, softmax, attention
    /// products and the head stay float32. About 4x smaller and faster on CPUs; P(fake) moves by up to a few hundredths
    /// (docs/onnx.md). Default false (float32 throughout).
    /// </summary>
    public bool Int8 { get; init; }

    /// <summary>
    /// Cross-attention semantics written into the graph. Default <see cref="CrossAttentionBatchSemantics.PerClip"/>:
    /// a clip's score does not depend on the other clips of a batch. <see cref="CrossAttentionBatchSemantics.Literal"/>
    /// writes the official reshape, which mixes the clips of a batch (only to reproduce official batch-8 numbers).
    /// </summary>
    public CrossAttentionBatchSemantics BatchSemantics { get; init; } = CrossAttentionBatchSemantics.PerClip;
}

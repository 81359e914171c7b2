using System.Globalization;
using Sta.MLNet;

namespace Sta.MLNet.Onnx;

/// <summary>The metadata_props an exported model carries (informative: scoring reads the clip shape from the graph's input).</summary>
internal static class StaOnnxMetadata
{
    public const string Format = "sta.format";
    public const string FormatValue = "sta-onnx/1";
    public const string Weights = "sta.weights";
    public const string Semantics = "sta.batch_semantics";

    public static IEnumerable<(string Key, string Value)> Describe(StaNetworkOptions network, StaOnnxExportOptions options)
    {
        static string S(int value) => value.ToString(CultureInfo.InvariantCulture);
        yield return (Format, FormatValue);
        yield return (Weights, options.Int8 ? "int8" : "float32");
        yield return (Semantics, options.BatchSemantics == CrossAttentionBatchSemantics.Literal ? "literal" : "per-clip");
        yield return ("sta.width", S(network.Width));
        yield return ("sta.layers", S(network.Layers));
        yield return ("sta.heads", S(network.Heads));
        yield return ("sta.patch_size", S(network.PatchSize));
        yield return ("sta.input_resolution", S(network.InputResolution));
        yield return ("sta.num_frames", S(network.NumFrames));
        yield return ("sta.adapter_width", S(network.AdapterWidth));
        yield return ("sta.cross_attention_heads", S(network.CrossAttentionHeads));
        yield return ("sta.mlp_width", S(network.MlpWidth));
        yield return ("sta.num_classes", S(network.NumClasses));
    }
}

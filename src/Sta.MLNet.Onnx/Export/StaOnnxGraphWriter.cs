using Sta.MLNet;
using Sta.MLNet.Onnx.Proto;
using static Sta.MLNet.Onnx.Export.OnnxGraph;

namespace Sta.MLNet.Onnx.Export;

/// <summary>
/// Writes the StA network (eval mode, float32) as an ONNX graph with the same arithmetic as <see cref="StaDetector"/>:
/// tokens batch-first [B·T, N, D] (per-token maths is layout-free), BatchNorm folded into its convolution, the mean of
/// three stacks folded into their last convolutions, 1/√d folded into the query projections, depthwise Conv3d written as
/// the depthwise Conv2d it is ((1, k, k) over frames, (k, 1) over [T, H·W]) because ONNX Runtime's CPU kernels for 2-D
/// depthwise convolutions are the fast ones. Every linear layer goes through <see cref="Linear"/>, which writes either a
/// float MatMul or the dynamically quantized int8 form.
/// </summary>
internal sealed class StaOnnxGraphWriter
{
    public const string InputName = "clips";
    public const string LogitsName = "logits";
    public const string ProbabilityName = "probability";
    public const string BatchSymbol = "batch";

    private readonly StaNetworkOptions _options;
    private readonly StaWeights _weights;
    private readonly bool _int8;
    private readonly CrossAttentionBatchSemantics _semantics;
    private readonly OnnxGraph _g;

    public StaOnnxGraphWriter(StaNetworkOptions options, StaWeights weights, bool int8, CrossAttentionBatchSemantics semantics)
    {
        _options = options;
        _weights = weights;
        _int8 = int8;
        _semantics = semantics;
        _g = new OnnxGraph(int8 ? "sta_int8" : "sta");
    }

    /// <summary>Linear layers written as int8 MatMulInteger (0 in a float graph).</summary>
    public int QuantizedLinears { get; private set; }

    public GraphProto Write()
    {
        var o = _options;
        int d = o.Width, t = o.NumFrames, r = o.InputResolution, p = o.PatchSize, grid = o.GridSize;
        int tokens = o.TokensPerFrame;
        _g.Input(InputName, TensorProto.Types.DataType.Float, BatchSymbol, t, 3, r, r);

        // Patch embedding: frames [B·T, 3, R, R] -> [B·T, D, G, G] -> [B·T, G·G, D] (patch index h·G + w).
        var frames = _g.Node("Reshape", "embed", [InputName, _g.Int64s(-1, 3, r, r)]);
        var conv1 = _weights.Get("backbone.conv1.weight", d, 3, p, p);
        var patches = _g.Node("Conv", "embed", [frames, _g.Float("backbone.conv1.weight", conv1, d, 3, p, p)],
            Attribute("kernel_shape", p, p), Attribute("strides", p, p));
        patches = _g.Node("Reshape", "embed", [patches, _g.Int64s(0, d, grid * grid)]);
        patches = _g.Node("Transpose", "embed", [patches], Attribute("perm", 0, 2, 1));
        // A zero token in front, then the class embedding added to it together with the positional embedding: the
        // class token's value is class + pos[0] either way, without building a batch-sized class tensor.
        var padded = _g.Node("Pad", "embed", [patches, _g.Int64s(0, 1, 0, 0, 0, 0)]);
        var positional = (float[])_weights.Get("backbone.positional_embedding", tokens, d).Clone();
        var cls = _weights.Get("backbone.class_embedding", d);
        for (int c = 0; c < d; c++) positional[c] = cls[c] + positional[c];
        var x = _g.Node("Add", "embed", [padded, _g.Float("backbone.positional_embedding+class", positional, tokens, d)]);
        // The temporal embedding of frame t goes to every token of that frame, the class token included.
        var temporal = _weights.Get("backbone.temporal_embedding", 1, t, d);
        x = _g.Node("Reshape", "embed", [x, _g.Int64s(-1, t, tokens, d)]);
        x = _g.Node("Add", "embed", [x, _g.Float("backbone.temporal_embedding", temporal, t, 1, d)]);
        x = _g.Node("Reshape", "embed", [x, _g.Int64s(-1, tokens, d)]);
        x = LayerNorm(x, "backbone.ln_pre", d);

        for (int i = 0; i < o.Layers; i++)
            x = Block(x, $"backbone.transformer.resblocks.{i}.");

        // Head: ln_post on the class tokens, mean over frames, fc_cls; P(fake) = softmax(logits)[:, 1].
        var classTokens = _g.Node("Gather", "head", [x, _g.Int64Scalar(0)], Attribute("axis", 1L));
        classTokens = LayerNorm(classTokens, "backbone.ln_post", d);
        var perClip = _g.Node("Reshape", "head", [classTokens, _g.Int64s(-1, t, d)]);
        var pooled = _g.Node("ReduceMean", "head", [perClip, _g.Int64s(1)], Attribute("keepdims", 0L));
        var logits = FloatLinear(pooled, "head.fc_cls", o.NumClasses, d);
        _g.NamedNode("Identity", [logits], [LogitsName]);
        var probabilities = _g.Node("Softmax", "head", [LogitsName], Attribute("axis", 1L));
        _g.NamedNode("Gather", [probabilities, _g.Int64Scalar(1)], [ProbabilityName], Attribute("axis", 1L));
        _g.Output(LogitsName, TensorProto.Types.DataType.Float, BatchSymbol, o.NumClasses);
        _g.Output(ProbabilityName, TensorProto.Types.DataType.Float, BatchSymbol);
        return _g.Proto;
    }

    private string Block(string x, string prefix)
    {
        int d = _options.Width, heads = _options.Heads, mlp = _options.MlpWidth;
        var normalised = LayerNorm(x, prefix + "ln_1", d);
        var attended = SelfAttention(normalised, prefix + "attn", d, heads);
        x = _g.Node("Add", prefix + "attn", [x, attended]);

        var hidden = Linear(LayerNorm(x, prefix + "ln_2", d), prefix + "mlp.c_fc", Weight(prefix + "mlp.c_fc", mlp, d), Bias(prefix + "mlp.c_fc", mlp), mlp, d);
        // CLIP's QuickGELU z·σ(1.702 z).
        var gate = _g.Node("Sigmoid", prefix + "mlp", [_g.Node("Mul", prefix + "mlp", [hidden, _g.FloatScalar(1.702f)])]);
        hidden = _g.Node("Mul", prefix + "mlp", [hidden, gate]);
        var projected = Linear(hidden, prefix + "mlp.c_proj", Weight(prefix + "mlp.c_proj", d, mlp), Bias(prefix + "mlp.c_proj", d), d, mlp);
        x = _g.Node("Add", prefix + "mlp", [x, projected]);
        return Adapter(x, prefix + "Adapter.");
    }

    /// <summary>Per-frame self-attention of [B·T, N, D] tokens with PyTorch's packed projection (rows q, k, v).</summary>
    private string SelfAttention(string x, string name, int width, int heads)
    {
        int headDim = width / heads;
        var weight = (float[])_weights.Get(name + ".in_proj_weight", 3 * width, width).Clone();
        var bias = (float[])_weights.Get(name + ".in_proj_bias", 3 * width).Clone();
        ScaleRows(weight, bias, 0, width, width, 1.0 / Math.Sqrt(headDim));
        var qkv = Linear(x, name + ".in_proj", weight, bias, 3 * width, width);
        var parts = _g.Nodes("Split", name, [qkv, _g.Int64s(width, width, width)], 3, Attribute("axis", -1L));
        var attended = Attend(parts[0], parts[1], parts[2], name, width, heads);
        return Linear(attended, name + ".out_proj", Weight(name + ".out_proj", width, width), Bias(name + ".out_proj", width), width, width);
    }

    /// <summary>
    /// softmax(q·kᵀ)·v per head for batch-first [N, L, E] sequences whose q is already scaled; heads are contiguous
    /// slices of E, as in PyTorch. Returns the merged heads [N, Lq, E] (before the output projection).
    /// </summary>
    private string Attend(string q, string k, string v, string name, int width, int heads)
    {
        int headDim = width / heads;
        var split = _g.Int64s(0, 0, heads, headDim);
        var qh = _g.Node("Transpose", name, [_g.Node("Reshape", name, [q, split])], Attribute("perm", 0, 2, 1, 3));
        var kt = _g.Node("Transpose", name, [_g.Node("Reshape", name, [k, split])], Attribute("perm", 0, 2, 3, 1));
        var vh = _g.Node("Transpose", name, [_g.Node("Reshape", name, [v, split])], Attribute("perm", 0, 2, 1, 3));
        var scores = _g.Node("MatMul", name, [qh, kt]);
        var weights = _g.Node("Softmax", name, [scores], Attribute("axis", -1L));
        var output = _g.Node("MatMul", name, [weights, vh]);
        output = _g.Node("Transpose", name, [output], Attribute("perm", 0, 2, 1, 3));
        return _g.Node("Reshape", name, [output, _g.Int64s(0, 0, width)]);
    }

    private string Adapter(string input, string prefix)
    {
        var o = _options;
        int d = o.Width, e = o.AdapterWidth, t = o.NumFrames, grid = o.GridSize, area = grid * grid, tokens = o.TokensPerFrame;
        var z = Linear(input, prefix + "down", Weight(prefix + "down", e, d), Bias(prefix + "down", e), e, d);
        z = _g.Node("Gelu", prefix + "down", [z]);
        var cls = _g.Node("Slice", prefix + "split", [z, _g.Int64s(0), _g.Int64s(1), _g.Int64s(1)]);
        var patchTokens = _g.Node("Slice", prefix + "split", [z, _g.Int64s(1), _g.Int64s(tokens), _g.Int64s(1)]); // [B·T, HW, E]

        // Spatial stacks see frames as images [B·T, E, G, G]; temporal stacks see [B, E, T, HW] with (k, 1) kernels.
        var planes = _g.Node("Reshape", prefix + "volume", [_g.Node("Transpose", prefix + "volume", [patchTokens], Attribute("perm", 0, 2, 1)),
            _g.Int64s(0, e, grid, grid)]);
        var series = _g.Node("Transpose", prefix + "volume", [_g.Node("Reshape", prefix + "volume", [patchTokens, _g.Int64s(-1, t, area, e)])],
            Attribute("perm", 0, 3, 1, 2));
        var spatial = planes;
        var temporal = series;
        for (int s = 0; s < 3; s++)
        {
            int k = o.SpatialKernels[s];
            spatial = _g.Node("Add", prefix + "spatial", [spatial, Stack(planes, $"{prefix}s_conv{s + 1}.", (1, k, k), (k, k))]);
        }
        for (int s = 0; s < 3; s++)
        {
            int k = o.TemporalKernels[s];
            temporal = _g.Node("Add", prefix + "temporal", [temporal, Stack(series, $"{prefix}t_conv{s + 1}.", (k, 1, 1), (k, 1))]);
        }
        // Both streams as [B, T, HW, E] (token order t-major, then h·G + w, channels last).
        var spatialTokens = _g.Node("Transpose", prefix + "streams", [_g.Node("Reshape", prefix + "streams", [spatial, _g.Int64s(-1, t, e, area)])],
            Attribute("perm", 0, 1, 3, 2));
        var temporalTokens = _g.Node("Transpose", prefix + "streams", [temporal], Attribute("perm", 0, 2, 3, 1));

        var fused = CrossAttention(spatialTokens, temporalTokens, prefix + "cross_attention.", e, t, area);
        fused = _g.Node("Gelu", prefix + "fuse", [_g.Node("Mul", prefix + "fuse", [fused, _g.FloatScalar(0.5f)])]);
        var adapted = _g.Node("Concat", prefix + "fuse", [cls, _g.Node("Reshape", prefix + "fuse", [fused, _g.Int64s(-1, area, e)])], Attribute("axis", 1L));
        var up = Linear(adapted, prefix + "up", Weight(prefix + "up", d, e), Bias(prefix + "up", d), d, e);
        return _g.Node("Add", prefix + "out", [_g.Node("Gelu", prefix + "up", [up]), input]);
    }

    /// <summary>
    /// s2t + t2s of the two streams given as [B, T, HW, E]: <c>spatial_to_temporal</c> takes the temporal stream as
    /// query, <c>temporal_to_spatial</c> the spatial one. Returns the sum [B, T, HW, E] (the caller halves it).
    /// Each stream feeds one query and one key/value projection, so its three projections are one MatMul.
    /// </summary>
    private string CrossAttention(string spatialTokens, string temporalTokens, string prefix, int e, int t, int area)
    {
        string ToSequence(string tokens) => _semantics == CrossAttentionBatchSemantics.PerClip
            ? _g.Node("Reshape", prefix + "seq", [tokens, _g.Int64s(-1, (long)t * area, e)])
            // The official reshape: [T, B, HW, E] read as [T·HW, B', E], which mixes clips when B > 1 (spec 1.7).
            : _g.Node("Transpose", prefix + "seq", [_g.Node("Reshape", prefix + "seq", [
                _g.Node("Transpose", prefix + "seq", [tokens], Attribute("perm", 1, 0, 2, 3)), _g.Int64s((long)t * area, -1, e)])],
                Attribute("perm", 1, 0, 2));
        string FromSequence(string sequence) => _semantics == CrossAttentionBatchSemantics.PerClip
            ? sequence
            : _g.Node("Transpose", prefix + "unseq", [_g.Node("Reshape", prefix + "unseq", [
                _g.Node("Transpose", prefix + "unseq", [sequence], Attribute("perm", 1, 0, 2)), _g.Int64s(t, area, -1, e)])],
                Attribute("perm", 2, 0, 1, 3));

        var spatialSequence = ToSequence(spatialTokens);
        var temporalSequence = ToSequence(temporalTokens);
        string s2t = prefix + "spatial_to_temporal", t2s = prefix + "temporal_to_spatial";
        double scale = 1.0 / Math.Sqrt(e / _options.CrossAttentionHeads);
        // Rows [E, 3E) of s2t (its k, v) act on the spatial stream with t2s's q; the temporal stream the other way round.
        var fromSpatial = Projections(spatialSequence, prefix + "spatial_projections", (t2s, 0, scale), (s2t, 1, 1), (s2t, 2, 1));
        var fromTemporal = Projections(temporalSequence, prefix + "temporal_projections", (s2t, 0, scale), (t2s, 1, 1), (t2s, 2, 1));
        var outS2t = Attend(fromTemporal[0], fromSpatial[1], fromSpatial[2], s2t, e, _options.CrossAttentionHeads);
        var outT2s = Attend(fromSpatial[0], fromTemporal[1], fromTemporal[2], t2s, e, _options.CrossAttentionHeads);
        outS2t = Linear(outS2t, s2t + ".out_proj", Weight(s2t + ".out_proj", e, e), Bias(s2t + ".out_proj", e), e, e);
        outT2s = Linear(outT2s, t2s + ".out_proj", Weight(t2s + ".out_proj", e, e), Bias(t2s + ".out_proj", e), e, e);
        var sum = _g.Node("Add", prefix + "sum", [outS2t, outT2s]);
        return FromSequence(_semantics == CrossAttentionBatchSemantics.PerClip
            ? _g.Node("Reshape", prefix + "unseq", [sum, _g.Int64s(-1, t, area, e)])
            : sum);
    }

    /// <summary>Three row blocks (q = 0, k = 1, v = 2) of packed projections applied to one input as one linear layer.</summary>
    private string[] Projections(string input, string name, params (string Module, int Block, double Scale)[] blocks)
    {
        int e = _options.AdapterWidth;
        var weight = new float[blocks.Length * e * e];
        var bias = new float[blocks.Length * e];
        for (int i = 0; i < blocks.Length; i++)
        {
            var (module, block, scale) = blocks[i];
            var w = _weights.Get(module + ".in_proj_weight", 3 * e, e);
            var b = _weights.Get(module + ".in_proj_bias", 3 * e);
            Array.Copy(w, (long)block * e * e, weight, (long)i * e * e, (long)e * e);
            Array.Copy(b, block * e, bias, i * e, e);
            if (scale != 1) ScaleRows(weight, bias, i * e, e, e, scale);
        }
        var projected = Linear(input, name, weight, bias, blocks.Length * e, e);
        var sizes = Enumerable.Repeat((long)e, blocks.Length).ToArray();
        return _g.Nodes("Split", name, [projected, _g.Int64s(sizes)], blocks.Length, Attribute("axis", -1L));
    }

    /// <summary>
    /// conv-BN-ReLU-conv-BN-ReLU-conv-BN as three depthwise Conv2d with BatchNorm (running statistics) folded in; the
    /// last one also carries the 1/3 of the mean of the three stacks.
    /// </summary>
    private string Stack(string input, string prefix, (int T, int H, int W) kernel, (int H, int W) kernel2d)
    {
        int e = _options.AdapterWidth;
        var x = input;
        for (int c = 1; c <= 3; c++)
        {
            var weight = _weights.Get($"{prefix}conv{c}.weight", e, 1, kernel.T, kernel.H, kernel.W);
            var bias = _weights.Get($"{prefix}conv{c}.bias", e);
            var gamma = _weights.Get($"{prefix}bn{c}.weight", e);
            var beta = _weights.Get($"{prefix}bn{c}.bias", e);
            var mean = _weights.Get($"{prefix}bn{c}.running_mean", e);
            var variance = _weights.Get($"{prefix}bn{c}.running_var", e);
            int taps = kernel.T * kernel.H * kernel.W;
            var foldedWeight = new float[weight.Length];
            var foldedBias = new float[e];
            double share = c == 3 ? 1.0 / 3.0 : 1.0;
            for (int ch = 0; ch < e; ch++)
            {
                double scale = gamma[ch] / Math.Sqrt(variance[ch] + _options.BatchNormEpsilon);
                for (int k = 0; k < taps; k++) foldedWeight[ch * taps + k] = (float)(weight[ch * taps + k] * scale * share);
                foldedBias[ch] = (float)(((bias[ch] - (double)mean[ch]) * scale + beta[ch]) * share);
            }
            int ph = kernel2d.H / 2, pw = kernel2d.W / 2;
            x = _g.Node("Conv", prefix + $"conv{c}", [x, _g.Float($"{prefix}conv{c}.weight+bn", foldedWeight, e, 1, kernel2d.H, kernel2d.W),
                    _g.Float($"{prefix}conv{c}.bias+bn", foldedBias, e)],
                Attribute("kernel_shape", kernel2d.H, kernel2d.W), Attribute("pads", ph, pw, ph, pw), Attribute("group", (long)e));
            if (c < 3) x = _g.Node("Relu", prefix + $"relu{c}", [x]);
        }
        return x;
    }

    private string LayerNorm(string x, string name, int width) =>
        _g.Node("LayerNormalization", name, [x, _g.Float(name + ".weight", _weights.Get(name + ".weight", width), width),
            _g.Float(name + ".bias", _weights.Get(name + ".bias", width), width)],
            Attribute("axis", -1L), Attribute("epsilon", (float)_options.LayerNormEpsilon));

    /// <summary>A Linear module's weight [outputs, inputs].</summary>
    private float[] Weight(string module, int outputs, int inputs) => _weights.Get(module + ".weight", outputs, inputs);

    /// <summary>A Linear module's bias [outputs].</summary>
    private float[] Bias(string module, int outputs) => _weights.Get(module + ".bias", outputs);

    /// <summary>Multiplies rows [first, first + count) of a [rows, columns] weight and their biases by <paramref name="scale"/>.</summary>
    private static void ScaleRows(float[] weight, float[] bias, int first, int count, int columns, double scale)
    {
        for (int row = first; row < first + count; row++)
        {
            bias[row] = (float)(bias[row] * scale);
            for (int c = 0; c < columns; c++) weight[(long)row * columns + c] = (float)(weight[(long)row * columns + c] * scale);
        }
    }

    /// <summary>y = x·Wᵀ + b for PyTorch's [out, in] weight: float, or int8 when the export asks for it.</summary>
    private string Linear(string x, string name, float[] weight, float[] bias, int outputs, int inputs) =>
        _int8 ? QuantizedLinear(x, name, weight, bias, outputs, inputs) : FloatLinear(x, name, weight, bias, outputs, inputs);

    private string FloatLinear(string x, string module, int outputs, int inputs) =>
        FloatLinear(x, module, Weight(module, outputs, inputs), Bias(module, outputs), outputs, inputs);

    private string FloatLinear(string x, string name, float[] weight, float[] bias, int outputs, int inputs)
    {
        var transposed = Transpose(weight, outputs, inputs);
        var product = _g.Node("MatMul", name, [x, _g.Float(name + ".weight_t", transposed, inputs, outputs)]);
        return _g.Node("Add", name, [product, _g.Float(name + ".bias", bias, outputs)]);
    }

    /// <summary>
    /// The dynamically quantized linear layer in the form ONNX Runtime fuses into one int8 kernel: the input quantized
    /// per tensor (uint8, DynamicQuantizeLinear), the weight per output channel (symmetric, <see cref="Int8Weights"/>),
    /// MatMulInteger, then int32 -> float times input scale x channel scale, plus the float bias.
    /// </summary>
    private string QuantizedLinear(string x, string name, float[] weight, float[] bias, int outputs, int inputs)
    {
        QuantizedLinears++;
        var (values, scales) = Int8Weights.Quantize(weight, outputs, inputs);
        var quantized = _g.Nodes("DynamicQuantizeLinear", name, [x], 3);
        var product = _g.Node("MatMulInteger", name, [quantized[0], _g.Int8(name + ".weight_q", values, inputs, outputs), quantized[2]]);
        var asFloat = _g.Node("Cast", name, [product], Attribute("to", (long)TensorProto.Types.DataType.Float));
        var scale = _g.Node("Mul", name, [quantized[1], _g.Float(name + ".weight_scale", scales, outputs)]);
        var scaled = _g.Node("Mul", name, [asFloat, scale]);
        return _g.Node("Add", name, [scaled, _g.Float(name + ".bias", bias, outputs)]);
    }

    private static float[] Transpose(float[] weight, int outputs, int inputs)
    {
        var result = new float[weight.Length];
        for (int o = 0; o < outputs; o++)
            for (int i = 0; i < inputs; i++)
                result[(long)i * outputs + o] = weight[(long)o * inputs + i];
        return result;
    }
}

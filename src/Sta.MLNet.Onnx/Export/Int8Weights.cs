namespace Sta.MLNet.Onnx.Export;

/// <summary>
/// Symmetric per-output-channel int8 quantization of a [outputs, inputs] weight, stored transposed [inputs, outputs] as
/// MatMulInteger's second operand (zero point 0). Values use ±<see cref="Limit"/> rather than ±127: x86 CPUs without
/// VNNI multiply uint8 activations by int8 weights with an instruction (vpmaddubsw) whose pairwise int16 sums saturate
/// when |w| can reach 127 (255·127·2 &gt; 32767); with |w| ≤ 63 no pair can overflow, on every CPU.
/// </summary>
internal static class Int8Weights
{
    public const int Limit = 63;

    public static (sbyte[] Values, float[] Scales) Quantize(float[] weight, int outputs, int inputs)
    {
        var values = new sbyte[weight.Length];
        var scales = new float[outputs];
        for (int o = 0; o < outputs; o++)
        {
            double max = 0;
            for (int i = 0; i < inputs; i++) max = Math.Max(max, Math.Abs(weight[(long)o * inputs + i]));
            // An all-zero channel (e.g. a zero-initialised adapter's up-projection) keeps scale 1 and zero codes.
            double scale = max > 0 ? max / Limit : 1.0;
            scales[o] = (float)scale;
            for (int i = 0; i < inputs; i++)
            {
                double q = Math.Round(weight[(long)o * inputs + i] / scale, MidpointRounding.ToEven);
                values[(long)i * outputs + o] = (sbyte)Math.Clamp(q, -Limit, Limit);
            }
        }
        return (values, scales);
    }
}

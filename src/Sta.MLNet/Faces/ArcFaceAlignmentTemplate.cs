using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>
/// The destination points of DeepfakeBench/StA face alignment: the ArcFace 112 x 112 five-point template shifted
/// right by 8 px, scaled to the output size, then shrunk towards the centre by the margin factor (1.3), so that
/// the crop shows 30 % more context than the template. Computed in float32 step by step exactly like the upstream
/// numpy code, so the values are bit-identical to the pipeline's.
/// </summary>
internal static class ArcFaceAlignmentTemplate
{
    /// <summary>Default enlargement of the crop around the template (DeepfakeBench <c>scale=1.3</c>).</summary>
    public const double DefaultScale = 1.3;

    /// <summary>ArcFace template for 112 x 112 crops, in the order of the alignment points (eye, eye, nose, mouth, mouth).</summary>
    public static IReadOnlyList<Point2f> Template112 { get; } =
    [
        new(30.2946f, 51.6963f),
        new(65.5318f, 51.5014f),
        new(48.0252f, 71.7366f),
        new(33.5493f, 92.3655f),
        new(62.7299f, 92.2041f),
    ];

    /// <summary>The five destination points for a square crop of <paramref name="outputSize"/> pixels.</summary>
    /// <param name="outputSize">Crop side in pixels (224 in the StA demo, 256 in DeepfakeBench preprocessing).</param>
    /// <param name="scale">Context enlargement; 1.3 upstream.</param>
    public static Point2f[] DestinationPoints(int outputSize, double scale = DefaultScale)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputSize);
        if (!(scale >= 1) || !double.IsFinite(scale))
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The margin scale must be a finite value >= 1.");
        // Upstream order of float32 operations: x += 8; v = v * size / 112 (two roundings);
        // v += float32(margin); v *= float32(size / (size + 2 margin)), margin = size (scale - 1) / 2 in double.
        float size = outputSize;
        var margin = outputSize * (scale - 1) / 2.0;
        var marginSingle = (float)margin;
        var shrink = (float)(outputSize / (outputSize + 2 * margin));
        var result = new Point2f[Template112.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var x = Template112[i].X + 8f;
            var y = Template112[i].Y;
            x = x * size / 112f;
            y = y * size / 112f;
            x += marginSingle;
            y += marginSingle;
            x *= shrink;
            y *= shrink;
            result[i] = new Point2f(x, y);
        }
        return result;
    }
}

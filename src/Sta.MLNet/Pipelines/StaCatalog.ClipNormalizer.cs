using Microsoft.ML;

namespace Sta.MLNet;

/// <summary>
/// Entry points of the clip normaliser. They hang off <see cref="MLContext"/> because ML.NET's catalogs do not expose
/// their environment to other assemblies.
/// </summary>
public static partial class StaCatalog
{
    /// <summary>
    /// Normalises clips of uint8 RGB frames for the StA network: value / 255, minus CLIP's mean, divided by CLIP's std,
    /// output [frameCount, 3, height, width] float32.
    /// </summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="outputColumnName">Output Vector&lt;Single&gt; column. Default "Clip".</param>
    /// <param name="inputColumnName">Input Vector&lt;Byte&gt; column (T x H x W x 3). Default "Frames".</param>
    /// <param name="frameCount">Frames per clip. Default 8.</param>
    /// <param name="height">Frame height. Default 224.</param>
    /// <param name="width">Frame width. Default 224.</param>
    public static ClipNormalizingEstimator NormalizeClip(this MLContext mlContext, string outputColumnName = "Clip",
        string inputColumnName = "Frames", int frameCount = 8, int height = 224, int width = 224) =>
        mlContext.NormalizeClip(new ClipNormalizerOptions
        {
            OutputColumnName = outputColumnName, InputColumnName = inputColumnName, FrameCount = frameCount,
            Height = height, Width = width,
        });

    /// <summary>Normalises clips with explicit options (e.g. another mean/std).</summary>
    public static ClipNormalizingEstimator NormalizeClip(this MLContext mlContext, ClipNormalizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new ClipNormalizingEstimator(mlContext, options);
    }
}

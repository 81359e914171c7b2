using Microsoft.ML;

namespace Sta.MLNet;

/// <summary>
/// Entry points of the clip normaliser. They hang off <see cref="MLContext"/> because ML.NET's catalogs do not expose
/// their environment to other assemblies.
/// </summary>
public static partial class StaCatalog
{
    /// <summary>
    /// Normalises clips of uint8 RGB frames for the StA network: value / 255, minus the channel mean, divided by the
    /// channel std (CLIP's unless given), output [frameCount, 3, height, width] float32. Nothing is learnt: <c>Fit</c>
    /// only checks the input column. The fitted transformer is saved with the model.
    /// </summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="outputColumnName">Output Vector&lt;Single&gt; column. Default "Clip".</param>
    /// <param name="inputColumnName">Input Vector&lt;Byte&gt; column (T x H x W x 3, HWC per frame, frames in order). Default "Frames".</param>
    /// <param name="frameCount">Frames per clip. Default 8.</param>
    /// <param name="height">Frame height. Default 224.</param>
    /// <param name="width">Frame width. Default 224.</param>
    /// <param name="mean">Per-channel mean subtracted after scaling to [0, 1], RGB order (3 finite values). Default: CLIP's
    /// (0.48145466, 0.4578275, 0.40821073), what the StA network was trained with.</param>
    /// <param name="std">Per-channel standard deviation divided by, RGB order (3 finite positive values). Default: CLIP's
    /// (0.26862954, 0.26130258, 0.27577711).</param>
    /// <exception cref="ArgumentException">A column name is empty, a size is not positive, or mean/std are not 3 valid values.</exception>
    public static IEstimator<ITransformer> NormalizeClip(this MLContext mlContext, string outputColumnName = "Clip",
        string inputColumnName = "Frames", int frameCount = 8, int height = 224, int width = 224,
        IReadOnlyList<float>? mean = null, IReadOnlyList<float>? std = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        var options = new ClipNormalizerOptions
        {
            OutputColumnName = outputColumnName, InputColumnName = inputColumnName, FrameCount = frameCount,
            Height = height, Width = width,
        };
        if (mean is not null) options.Mean = [.. mean];
        if (std is not null) options.Std = [.. std];
        return new ClipNormalizingEstimator(mlContext, options);
    }
}

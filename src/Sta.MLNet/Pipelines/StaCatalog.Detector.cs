using Microsoft.ML;

namespace Sta.MLNet;

/// <summary>Entry points that give a ready StA detector without training.</summary>
public static partial class StaCatalog
{
    /// <summary>
    /// Loads a StA checkpoint (e.g. the authors' <c>sta_best.pth</c>, a .pth zip or .safetensors state_dict) as a
    /// scoring transformer on the device <see cref="MLContext.GpuDeviceId"/>/<see cref="MLContext.FallbackToCpu"/> select.
    /// </summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="checkpointPath">The checkpoint file.</param>
    /// <param name="network">The network it was trained with. Default <see cref="StaPresets.Official"/>.</param>
    /// <param name="options">Column names and scoring options. Default: "Clip" in; Score, Probability, PredictedLabel out.</param>
    /// <exception cref="CheckpointMismatchException">The checkpoint does not fit <paramref name="network"/>.</exception>
    public static StaDetectionTransformer LoadStaDetector(this MLContext mlContext, string checkpointPath,
        StaNetworkOptions? network = null, StaDetectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        var device = TorchDeviceSelector.Select(mlContext);
        var detector = StaCheckpoint.LoadDetector(checkpointPath, network ?? StaPresets.Official);
        try
        {
            return new StaDetectionTransformer(mlContext, detector, options, device);
        }
        catch
        {
            detector.Dispose();
            throw;
        }
    }
}

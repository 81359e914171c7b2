using System.Globalization;
using Google.Protobuf;
using Microsoft.ML;
using Sta.MLNet;
using Sta.MLNet.Onnx.Export;
using Sta.MLNet.Onnx.Proto;

namespace Sta.MLNet.Onnx;

/// <summary>
/// Writes a StA network as an ONNX model for ONNX Runtime and ML.NET's <c>ApplyOnnxModel</c>: input <c>clips</c>
/// float32 [batch, T, 3, H, W] (CLIP-normalised RGB, as the network takes them), outputs <c>logits</c> [batch, classes]
/// and <c>probability</c> [batch] (P(fake)); the batch size is symbolic, the weights are initializers. The graph is the
/// network in eval mode (BatchNorm with running statistics, no dropout) in float32, or with int8 linear layers
/// (<see cref="StaOnnxExportOptions.Int8"/>). Exporting reads the weights through TorchSharp, so it needs libtorch (as
/// training does); scoring the exported file does not (<see cref="StaOnnxModel"/>).
/// </summary>
public static class StaOnnxExporter
{
    /// <summary>The ONNX operator set the graphs use (ai.onnx).</summary>
    public const int OpsetVersion = 21;

    /// <summary>The ONNX IR version that goes with <see cref="OpsetVersion"/>.</summary>
    private const long IrVersion = 10;

    /// <summary>Protobuf messages cannot exceed 2 GiB; larger networks would need ONNX external data, not written here.</summary>
    private const long MaxInitializerBytes = 2_000_000_000;

    /// <summary>Exports <paramref name="detector"/> (its weights as they are now; the detector is not changed) to <paramref name="path"/>.</summary>
    /// <exception cref="NotSupportedException">The network's weights exceed what one ONNX file can hold (2 GiB).</exception>
    public static void Export(StaDetector detector, string path, StaOnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= new StaOnnxExportOptions();
        var network = detector.Options;
        var writer = new StaOnnxGraphWriter(network, StaWeights.FromDetector(detector), options.Int8, options.BatchSemantics);
        var graph = writer.Write();
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "Sta.MLNet",
            ProducerVersion = typeof(StaOnnxExporter).Assembly.GetName().Version?.ToString() ?? "",
            Domain = "sta.mlnet",
            DocString = "StA deepfake video detector: clips [batch, T, 3, H, W] (CLIP-normalised RGB) -> logits [batch, classes], probability [batch] = P(fake).",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
        foreach (var (key, value) in StaOnnxMetadata.Describe(network, options))
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        long bytes = graph.Initializer.Sum(i => (long)i.RawData.Length);
        if (bytes > MaxInitializerBytes)
            throw new NotSupportedException($"The network's weights take {bytes:N0} bytes; one ONNX file holds at most 2 GiB.");
        WriteAtomically(model, path);
    }

    /// <summary>Exports the StA detection stage of a fitted or loaded ML.NET model (the last one of a chain).</summary>
    /// <exception cref="ArgumentException">The model has no <see cref="StaDetectionTransformer"/>.</exception>
    public static void Export(ITransformer model, string path, StaOnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var stage = Stages(model).OfType<StaDetectionTransformer>().LastOrDefault()
            ?? throw new ArgumentException($"The model has no {nameof(StaDetectionTransformer)} stage.", nameof(model));
        Export(stage.Detector, path, options);
    }

    /// <summary>Exports a checkpoint (.pth or .safetensors state_dict, e.g. the authors' <c>sta_best.pth</c>) of <paramref name="network"/>.</summary>
    /// <exception cref="CheckpointMismatchException">The checkpoint does not fit <paramref name="network"/>.</exception>
    public static void ExportCheckpoint(string checkpointPath, StaNetworkOptions network, string path, StaOnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        using var detector = StaCheckpoint.LoadDetector(checkpointPath, network);
        Export(detector, path, options);
    }

    private static IEnumerable<ITransformer> Stages(ITransformer model) =>
        model is IEnumerable<ITransformer> chain ? chain.SelectMany(Stages) : [model];

    /// <summary>Writes next to the target and renames, so a failed export never leaves a truncated model under its name.</summary>
    private static void WriteAtomically(ModelProto model, string path)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        var temporary = full + "." + Guid.NewGuid().ToString("N", CultureInfo.InvariantCulture)[..8] + ".tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                model.WriteTo(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}

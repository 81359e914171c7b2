using System.CommandLine;
using System.Globalization;
using Sta.MLNet.Cli.Infrastructure;
using Sta.MLNet.Cli.Scoring;
using Sta.MLNet;
using Sta.MLNet.Onnx;

namespace Sta.MLNet.Cli.Commands;

/// <summary><c>sta export MODEL --onnx OUT [--int8]</c>: the network of a checkpoint or saved model as an ONNX model.</summary>
internal static class ExportCommand
{
    public static Command Create(CliContext context)
    {
        var source = new Argument<string>("model")
        {
            Description = "A saved ML.NET model (.zip) with a StA detection stage, or a checkpoint (.pth zip or .safetensors; give --preset).",
        };
        var onnx = new Option<string>("--onnx") { Description = "Write the ONNX model to FILE.", Required = true };
        var int8 = new Option<bool>("--int8")
        {
            Description = "Quantize the linear layers to int8 (dynamic activations): about 4x smaller, faster on CPUs, P(fake) moves by up to a few hundredths.",
        };
        var literal = new Option<bool>("--literal-batch")
        {
            Description = "Write the official cross-attention reshape, which mixes the clips of a batch (only to reproduce official batch-8 numbers).",
        };
        var preset = CommonOptions.Preset();
        var command = new Command("export", "Export the network to ONNX for ONNX Runtime and ML.NET's ApplyOnnxModel (no libtorch needed to score it).")
        {
            source, onnx, int8, literal, preset,
        };
        CommandRunner.SetHandler(command, context, parse =>
        {
            var path = CommonOptions.RequireFile(parse.GetValue(source)!, "Model");
            var output = parse.GetValue(onnx)!;
            var options = new StaOnnxExportOptions
            {
                Int8 = parse.GetValue(int8),
                BatchSemantics = parse.GetValue(literal) ? CrossAttentionBatchSemantics.Literal : CrossAttentionBatchSemantics.PerClip,
            };
            string description;
            if (InspectCommand.IsMLNetModel(path))
            {
                var (stage, loaded, _) = DetectorLoader.Load(DetectorLoader.Context(null), null, path, "official");
                try
                {
                    StaOnnxExporter.Export(stage.Detector, output, options);
                }
                finally
                {
                    stage.ReleaseNetwork();
                }
                description = loaded;
            }
            else
            {
                var network = CommonOptions.ResolvePreset(parse.GetValue(preset)!);
                StaOnnxExporter.ExportCheckpoint(path, network, output, options);
                description = $"checkpoint {path} (preset {parse.GetValue(preset)!.ToLowerInvariant()})";
            }
            using var exported = StaOnnxModel.Load(output, intraOpThreads: 1);
            var size = new FileInfo(output).Length / (1024.0 * 1024.0);
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"exported {description} to {output}: {(options.Int8 ? "int8" : "float32")} weights, {size:F1} MiB, input clips [batch, {exported.FramesPerClip}, 3, {exported.InputResolution}, {exported.InputResolution}], {(options.BatchSemantics == CrossAttentionBatchSemantics.Literal ? "literal" : "per-clip")} batch semantics"));
            return ExitCodes.Success;
        });
        return command;
    }
}

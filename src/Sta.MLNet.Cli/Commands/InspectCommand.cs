using System.CommandLine;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Microsoft.ML;
using Sta.MLNet.Cli.Infrastructure;
using Sta.MLNet.Cli.Inspection;
using Sta.MLNet.Cli.Scoring;
using Sta.MLNet;

namespace Sta.MLNet.Cli.Commands;

/// <summary><c>sta inspect FILE</c>: what a checkpoint or a saved ML.NET model holds.</summary>
internal static class InspectCommand
{
    /// <summary>Identifies the JSON layout of a checkpoint inspection.</summary>
    public const string JsonSchema = "sta.inspect/1";

    public static Command Create(CliContext context)
    {
        var file = new Argument<string>("file") { Description = "A checkpoint (.pth zip or .safetensors) or a saved ML.NET model (.zip)." };
        var keys = new Option<bool>("--keys") { Description = "List every state_dict entry with its shape and type." };
        var json = new Option<string?>("--json") { Description = "Also write the inspection as JSON to FILE ('-' = standard output)." };
        var command = new Command("inspect", "Show a checkpoint's keys, shapes, parameter counts, format and preset, or a model's stages.") { file, keys, json };
        CommandRunner.SetHandler(command, context, parse =>
        {
            var path = CommonOptions.RequireFile(parse.GetValue(file)!, "File");
            if (IsMLNetModel(path)) return InspectModel(context, path);
            var inspection = CheckpointInspection.Read(path);
            var jsonPath = parse.GetValue(json);
            if (jsonPath != "-") WriteText(context.Out, inspection, parse.GetValue(keys));
            if (jsonPath is not null)
            {
                var bytes = Json(inspection);
                if (jsonPath == "-") context.Out.WriteLine(Encoding.UTF8.GetString(bytes));
                else File.WriteAllBytes(jsonPath, bytes);
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>An ML.NET model is a zip without PyTorch's pickle entry (a torch.save zip holds <c>*/data.pkl</c>).</summary>
    internal static bool IsMLNetModel(string path)
    {
        try
        {
            using var zip = ZipFile.OpenRead(path);
            return !zip.Entries.Any(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal));
        }
        catch (InvalidDataException)
        {
            return false; // not a zip: safetensors (or garbage, which the checkpoint reader reports)
        }
    }

    private static void WriteText(TextWriter o, CheckpointInspection i, bool listKeys)
    {
        var n = CultureInfo.InvariantCulture;
        o.WriteLine($"file:        {i.Path}");
        o.WriteLine($"format:      {i.Format}");
        o.WriteLine($"entries:     {i.Entries.Count} ({i.Entries.Count(e => !e.IsBuffer)} parameter tensors, {i.Entries.Count(e => e.IsBuffer)} buffers)");
        o.WriteLine($"parameters:  {i.ParameterCount.ToString("N0", n)} (buffers: {i.BufferCount.ToString("N0", n)} values)");
        if (i.MatchingPreset is { } preset)
            o.WriteLine($"preset:      {preset} (every key and shape matches)");
        else
            o.WriteLine("preset:      none: non-standard configuration");
        if (i.Detected is { } d)
        {
            o.WriteLine($"detected:    {Describe(d)}");
            if (i.MatchingPreset is null && i.DetectedComparison is { } c)
                o.WriteLine(c.Matches
                    ? "             (these sizes account for every key and shape; heads assumed: width/64 in the backbone, 2 in the adapters)"
                    : $"             (these sizes still leave {c.Differences} difference(s): the file is not a complete StA state_dict)");
        }
        else
        {
            o.WriteLine("detected:    not a StA state_dict (no backbone.conv1.weight / positional_embedding / resblocks)");
        }
        if (i.MatchingPreset is null)
        {
            o.WriteLine("presets:");
            foreach (var p in i.Presets)
            {
                o.WriteLine($"  {p.Name}: {p.Missing.Count} missing, {p.Unexpected.Count} unexpected, {p.MisShaped.Count} mis-shaped key(s)");
                foreach (var line in p.MisShaped.Take(3)) o.WriteLine($"    {line}");
                foreach (var key in p.Missing.Take(2)) o.WriteLine($"    missing: {key}");
                foreach (var key in p.Unexpected.Take(2)) o.WriteLine($"    unexpected: {key}");
            }
        }
        if (listKeys)
        {
            o.WriteLine("keys:");
            foreach (var e in i.Entries) o.WriteLine($"  {e.Key} {e.ShapeText} {e.DType}");
        }
    }

    public static string Describe(StaNetworkOptions d) =>
        $"width {d.Width}, layers {d.Layers}, heads {d.Heads}, patch {d.PatchSize}, resolution {d.InputResolution}, frames {d.NumFrames}, " +
        $"adapter width {d.AdapterWidth}, MLP {d.MlpWidth}, classes {d.NumClasses}, spatial kernels {string.Join("/", d.SpatialKernels)}, " +
        $"temporal kernels {string.Join("/", d.TemporalKernels)}";

    private static byte[] Json(CheckpointInspection i)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("schema", JsonSchema);
            w.WriteString("path", i.Path);
            w.WriteString("format", i.Format.ToString());
            w.WriteNumber("parameters", i.ParameterCount);
            w.WriteNumber("buffer_values", i.BufferCount);
            ScoreReport.WriteStringOrNull(w, "preset", i.MatchingPreset);
            w.WriteBoolean("standard", i.MatchingPreset is not null);
            if (i.Detected is { } d)
            {
                w.WriteStartObject("detected");
                w.WriteNumber("width", d.Width);
                w.WriteNumber("layers", d.Layers);
                w.WriteNumber("heads", d.Heads);
                w.WriteNumber("patch_size", d.PatchSize);
                w.WriteNumber("input_resolution", d.InputResolution);
                w.WriteNumber("num_frames", d.NumFrames);
                w.WriteNumber("adapter_width", d.AdapterWidth);
                w.WriteNumber("mlp_width", d.MlpWidth);
                w.WriteNumber("num_classes", d.NumClasses);
                w.WriteBoolean("accounts_for_all_keys", i.DetectedComparison?.Matches ?? false);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("detected");
            }
            w.WriteStartArray("presets");
            foreach (var p in i.Presets)
            {
                w.WriteStartObject();
                w.WriteString("name", p.Name);
                w.WriteBoolean("matches", p.Matches);
                WriteList(w, "missing", p.Missing);
                WriteList(w, "unexpected", p.Unexpected);
                WriteList(w, "mis_shaped", p.MisShaped);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("entries");
            foreach (var e in i.Entries)
            {
                w.WriteStartObject();
                w.WriteString("key", e.Key);
                w.WriteStartArray("shape");
                foreach (var s in e.Shape) w.WriteNumberValue(s);
                w.WriteEndArray();
                w.WriteString("dtype", e.DType);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteList(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    private static int InspectModel(CliContext context, string path)
    {
        var mlContext = new MLContext(seed: 0);
        var model = StaMLNet.LoadModel(mlContext, path, out var inputSchema);
        var o = context.Out;
        o.WriteLine($"file:    {path}");
        o.WriteLine("format:  ML.NET model (zip)");
        o.WriteLine("input:   " + string.Join(", ", inputSchema.Select(c => $"{c.Name} ({c.Type})")));
        o.WriteLine("stages:");
        var index = 0;
        foreach (var stage in DetectorLoader.Stages(model))
        {
            o.WriteLine($"  {index++}. {stage.GetType().Name}");
            if (stage is StaDetectionTransformer detector)
            {
                var options = detector.Options;
                var network = detector.Detector.Options;
                o.WriteLine($"     network: {Describe(network)}");
                var presetName = CheckpointInspection.KnownPresets.FirstOrDefault(p => SameSizes(p.Options, network)).Name;
                o.WriteLine($"     preset:  {presetName ?? "none (non-standard configuration)"}");
                var parameters = detector.Detector.parameters().Sum(p => p.numel());
                o.WriteLine($"     parameters: {parameters.ToString("N0", CultureInfo.InvariantCulture)}");
                o.WriteLine($"     columns: {options.ClipColumnName} -> {options.ScoreColumnName}, {options.ProbabilityColumnName}, {options.PredictedLabelColumnName}" +
                            (options.FeaturesColumnName is { } f ? $", {f}" : ""));
            }
        }
        var output = model.GetOutputSchema(inputSchema);
        o.WriteLine("output:  " + string.Join(", ", output.Where(c => !c.IsHidden).Select(c => $"{c.Name} ({c.Type})")));
        foreach (var detector in DetectorLoader.Stages(model).OfType<StaDetectionTransformer>())
            detector.ReleaseNetwork();
        return ExitCodes.Success;
    }

    private static bool SameSizes(StaNetworkOptions a, StaNetworkOptions b) =>
        a.Width == b.Width && a.Layers == b.Layers && a.Heads == b.Heads && a.PatchSize == b.PatchSize && a.InputResolution == b.InputResolution &&
        a.NumFrames == b.NumFrames && a.AdapterWidth == b.AdapterWidth && a.CrossAttentionHeads == b.CrossAttentionHeads && a.MlpWidth == b.MlpWidth &&
        a.NumClasses == b.NumClasses && a.SpatialKernels.SequenceEqual(b.SpatialKernels) && a.TemporalKernels.SequenceEqual(b.TemporalKernels);
}

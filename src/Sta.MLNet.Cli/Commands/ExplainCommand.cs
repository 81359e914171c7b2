using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Sta.MLNet.Cli.Infrastructure;
using Sta.MLNet.Cli.Scoring;
using Sta.MLNet;

namespace Sta.MLNet.Cli.Commands;

/// <summary>
/// <c>sta explain VIDEO --out DIR</c>: scores a video and writes, per clip, a PNG strip of the aligned faces the network
/// saw with the heat map of the evidence for "fake" under them (docs/explanations.md), plus explanation.json.
/// </summary>
internal static class ExplainCommand
{
    /// <summary>Identifies the layout of explanation.json.</summary>
    public const string JsonSchema = "sta.explain/1";

    public static Command Create(CliContext context)
    {
        var video = new Argument<string>("video") { Description = "The video file to explain." };
        var output = new Option<string>("--out", "-o") { Description = "Folder for the strips (clip-NNN.png) and explanation.json.", Required = true };
        var top = new Option<int?>("--top") { Description = "Explain only the N clips with the highest P(fake) (default: every scored clip)." };
        var threshold = new Option<double>("--threshold") { Description = "P(fake) above which the video is called fake.", DefaultValueFactory = _ => 0.5 };
        var choice = new ModelChoice();
        var command = new Command("explain", "Heat maps of where the evidence for 'fake' lies: a PNG strip per clip (faces, and the heat over them).")
        {
            video, output, top,
        };
        choice.AddTo(command);
        command.Options.Add(threshold);
        CommandRunner.SetHandler(command, context, parse =>
        {
            var path = CommonOptions.RequireFile(parse.GetValue(video)!, "Video");
            if (parse.GetValue(top) is < 1) throw new UsageException("--top must be at least 1.");
            if (parse.GetValue(threshold) is < 0 or > 1) throw new UsageException("--threshold must be within [0, 1].");
            var loaded = choice.Load(parse, workers: 1);
            try
            {
                return Run(context, loaded, path, parse.GetValue(output)!, parse.GetValue(top), parse.GetValue(threshold));
            }
            finally
            {
                loaded.Release();
            }
        });
        return command;
    }

    internal static int Run(CliContext context, ScoringModel loaded, string videoPath, string folder, int? top, double threshold)
    {
        // Every clip the scorer keeps faces for can be explained; without --top that is every scored clip.
        var explained = top ?? int.MaxValue;
        var options = new VideoExplanationOptions { ExplainedClips = explained, MaxClipsWithFaces = explained };
        var explainer = new StaExplainer(loaded.Stage, loaded.Options, options);
        var patchSize = loaded.Stage.Detector.Options.PatchSize;
        VideoExplanation explanation;
        using (var progress = context.Progress("explaining", 100))
        {
            var last = -1;
            explanation = explainer.ExplainVideoAsync(videoPath, new InlineProgress(p =>
            {
                var percent = (int)Math.Floor(p * 100);
                if (percent == last) return;
                last = percent;
                progress.Report(percent, Path.GetFileName(videoPath));
            }), context.CancellationToken).GetAwaiter().GetResult();
        }
        var result = VideoScoreResult.From(explanation.Score);
        Directory.CreateDirectory(folder);
        var strips = new List<(ClipEvidence Evidence, string File)>();
        foreach (var evidence in explanation.Clips.Where(c => c.HeatMap is not null))
        {
            var file = $"clip-{evidence.Score.ClipIndex:D3}.png";
            HeatMapImages.WriteStrip(Path.Combine(folder, file), evidence.Faces, evidence.HeatMap, patchSize);
            strips.Add((evidence, file));
        }
        WriteJson(Path.Combine(folder, "explanation.json"), loaded.Description, threshold, result, strips, patchSize);

        if (!result.Succeeded)
        {
            context.Error.WriteLine($"error: {videoPath}: {result.Error}");
            return ExitCodes.Failure;
        }
        context.Out.WriteLine($"{videoPath}: P(fake) {result.Probability!.Value.ToString("F4", CultureInfo.InvariantCulture)} " +
                              $"({ScoreJson.Verdict(result.Probability.Value, threshold)}) over {result.ScoredClipCount} clip(s)");
        foreach (var (evidence, file) in strips)
        {
            var frames = result.Clips.First(c => c.Index == evidence.Score.ClipIndex).Frames;
            context.Out.WriteLine($"  clip {evidence.Score.ClipIndex} (frames {frames[0]}-{frames[^1]}): P(fake) " +
                                  $"{evidence.Score.Probability.ToString("F4", CultureInfo.InvariantCulture)} -> {Path.Combine(folder, file)}");
        }
        context.Out.WriteLine($"wrote {strips.Count} strip(s) and {Path.Combine(folder, "explanation.json")}");
        return ExitCodes.Success;
    }

    private static void WriteJson(string path, string model, double threshold, VideoScoreResult result,
        IReadOnlyList<(ClipEvidence Evidence, string File)> strips, int patchSize)
    {
        using var stream = File.Create(path);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("schema", JsonSchema);
        w.WriteString("model", model);
        w.WriteNumber("threshold", threshold);
        w.WriteString("method", ExplanationJson.Method);
        w.WritePropertyName("video");
        ScoreJson.WriteVideo(w, result, threshold);
        w.WriteStartArray("clips");
        foreach (var (evidence, file) in strips)
        {
            w.WriteStartObject();
            w.WriteNumber("index", evidence.Score.ClipIndex);
            w.WriteNumber("probability", evidence.Score.Probability);
            w.WriteString("png", file);
            ExplanationJson.WriteHeat(w, evidence.HeatMap!, patchSize);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private sealed class InlineProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value)
        {
            lock (this) report(value);
        }
    }
}

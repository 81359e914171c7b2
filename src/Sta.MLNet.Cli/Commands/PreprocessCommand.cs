using System.CommandLine;
using System.Text.Json;
using OpenCvSharp;
using Sta.MLNet.Cli.Faces;
using Sta.MLNet.Cli.Infrastructure;
using Sta.MLNet.Cli.Preprocessing;
using Sta.MLNet;
using Sta.MLNet.Data;

namespace Sta.MLNet.Cli.Commands;

/// <summary>
/// <c>sta preprocess</c>: raw videos to a DeepfakeBench-style dataset (docs/design.md, "Face preprocessing" and "Dataset JSON"): per video, 32 frames evenly spaced
/// over the video, the largest face aligned at 256 px, <c>frames/&lt;video&gt;/&lt;idx:03d&gt;.png</c>,
/// <c>landmarks/&lt;video&gt;/&lt;idx:03d&gt;.npy</c> and one dataset JSON.
/// </summary>
internal static class PreprocessCommand
{
    public static Command Create(CliContext context)
    {
        var inputs = new Argument<string[]>("inputs") { Description = "Video files and folders (recursive).", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "Dataset folder to create (frames/, landmarks/, <name>.json).", Required = true };
        var name = new Option<string>("--dataset-name") { Description = "Top-level key of the JSON and its file name.", DefaultValueFactory = _ => "Custom" };
        var split = new Option<string>("--split") { Description = "Split the videos go to: train, val or test.", DefaultValueFactory = _ => "test" }
            .AcceptOnlyFromAmong("train", "val", "test");
        var label = new Option<string?>("--label") { Description = "Label of every input (real or fake). Default: from a 'real' or 'fake' folder above each video." }
            .AcceptOnlyFromAmong("real", "fake");
        var frames = new Option<int>("--frames") { Description = "Frames sampled evenly per video (DeepfakeBench: 32).", DefaultValueFactory = _ => 32 };
        var size = new Option<int>("--size") { Description = "Side of the aligned face crops, pixels (DeepfakeBench: 256).", DefaultValueFactory = _ => 256 };
        var detector = CommonOptions.FaceDetector();
        var landmarks = CommonOptions.LandmarksModel();
        var command = new Command("preprocess", "Extract aligned faces and landmarks from videos into a DeepfakeBench-compatible dataset.")
        {
            inputs, output, name, split, label, frames, size, detector, landmarks,
        };
        CommandRunner.SetHandler(command, context, parse =>
        {
            var videos = CommonOptions.ExpandVideos(parse.GetValue(inputs)!);
            var frameCount = parse.GetValue(frames);
            var cropSize = parse.GetValue(size);
            if (frameCount < 1) throw new UsageException("--frames must be at least 1.");
            if (cropSize < 32) throw new UsageException("--size must be at least 32.");
            var datasetName = parse.GetValue(name)!;
            if (datasetName.Length == 0 || datasetName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
                throw new UsageException($"--dataset-name '{datasetName}' cannot be used as a file name.");
            using var cropper = FaceCropper.Create(CommonOptions.ResolveFaces(parse, detector, landmarks), cropSize);
            var job = new Job(context, cropper.FrontEnd, parse.GetValue(output)!, datasetName, parse.GetValue(split)!, parse.GetValue(label), frameCount);
            return job.Run(videos);
        });
        return command;
    }

    private sealed class Job(CliContext context, FaceFrontEnd frontEnd, string root, string dataset, string split, string? fixedLabel, int frameCount)
    {
        private readonly SortedDictionary<string, SortedDictionary<string, (string Label, List<string> Frames)>> _entries = new(StringComparer.Ordinal);
        private readonly HashSet<string> _usedNames = new(StringComparer.Ordinal);
        private readonly System.Diagnostics.Stopwatch _sinceJsonWrite = System.Diagnostics.Stopwatch.StartNew();

        private string JsonPath => Path.Combine(root, dataset + ".json");

        public int Run(IReadOnlyList<string> videos)
        {
            Directory.CreateDirectory(root);
            var failures = 0;
            var cancelled = false;
            using (var progress = context.Progress("preprocessing", videos.Count))
            {
                for (var v = 0; v < videos.Count; v++)
                {
                    if (context.CancellationToken.IsCancellationRequested) { cancelled = true; break; }
                    var video = videos[v];
                    string detail;
                    try
                    {
                        var (saved, sampled) = ProcessVideo(video);
                        detail = $"{Path.GetFileName(video)}: {saved}/{sampled} frames with a face";
                        // Kept current for a process that gets killed; at most every 2 s (rewrites grow with the dataset).
                        if (_sinceJsonWrite.Elapsed >= TimeSpan.FromSeconds(2)) WriteJson();
                    }
                    catch (OperationCanceledException)
                    {
                        cancelled = true;
                        break;
                    }
                    catch (Exception error) when (error is StaException or IOException or UsageException)
                    {
                        failures++;
                        detail = $"{Path.GetFileName(video)}: error: {error.Message}";
                        progress.Message($"warning: {video}: {error.Message}");
                    }
                    progress.Report(v + 1, detail);
                }
            }
            WriteJson();
            var done = _entries.Values.Sum(e => e.Count);
            context.Out.WriteLine($"{done} video(s) written to {JsonPath}; {failures} failed" + (cancelled ? " (cancelled)" : ""));
            if (cancelled) return ExitCodes.Cancelled;
            return done > 0 ? ExitCodes.Success : ExitCodes.Failure;
        }

        private (int Saved, int Sampled) ProcessVideo(string path)
        {
            var label = fixedLabel ?? FolderLabels.Of(path)
                ?? throw new UsageException("label unknown: put the video under a 'real' or 'fake' folder, or pass --label");
            var labelName = label == "real" ? DatasetLabels.RealName(dataset) : DatasetLabels.FakeName(dataset);
            using var reader = VideoReader.Open(path);
            var indices = ClipSampler.EvenlySpacedIndices(reader.Info.FrameCount, frameCount);
            var videoName = UniqueName(path);
            var frameFolder = Path.Combine(root, "frames", videoName);
            var landmarkFolder = Path.Combine(root, "landmarks", videoName);
            var written = new List<string>();
            foreach (var frame in reader.ReadFrames(indices))
            {
                using (frame)
                {
                    context.CancellationToken.ThrowIfCancellationRequested();
                    // DeepfakeBench preprocessing (docs/design.md, "Face preprocessing"): frames without a detected face are dropped, so a video may keep fewer than 32.
                    using var face = frontEnd.ProcessImage(frame.Image, ChannelOrder.Rgb);
                    if (face is null) continue;
                    Directory.CreateDirectory(frameFolder);
                    Directory.CreateDirectory(landmarkFolder);
                    var stem = frame.Index.ToString("000", System.Globalization.CultureInfo.InvariantCulture);
                    using (var bgr = new Mat())
                    {
                        Cv2.CvtColor(face.Aligned.Image, bgr, ColorConversionCodes.RGB2BGR);
                        var pngPath = Path.Combine(frameFolder, stem + ".png");
                        if (!Cv2.ImWrite(pngPath, bgr)) throw new IOException($"Cannot write {pngPath}.");
                    }
                    var points = face.CropLandmarks.SelectMany(p => new double[]
                    {
                        Math.Round(p.X, MidpointRounding.AwayFromZero), Math.Round(p.Y, MidpointRounding.AwayFromZero),
                    }).ToArray();
                    NpyFile.Write(Path.Combine(landmarkFolder, stem + ".npy"), new NpyArray(NpyElementType.Int64, [face.CropLandmarks.Count, 2], points));
                    written.Add($"frames/{videoName}/{stem}.png");
                }
            }
            if (written.Count == 0)
                throw new IOException($"no face found in any of the {indices.Length} sampled frame(s)");
            if (!_entries.TryGetValue(labelName, out var videos))
                _entries[labelName] = videos = new SortedDictionary<string, (string, List<string>)>(StringComparer.Ordinal);
            videos[videoName] = (labelName, written);
            return (written.Count, indices.Length);
        }

        /// <summary>The video's file stem, made unique within the dataset (parent folder name, then a counter).</summary>
        private string UniqueName(string path)
        {
            var stem = Path.GetFileNameWithoutExtension(path);
            var candidate = stem;
            if (_usedNames.Contains(candidate))
                candidate = $"{Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path)))}_{stem}";
            for (var n = 2; _usedNames.Contains(candidate); n++)
                candidate = $"{stem}_{n}";
            _usedNames.Add(candidate);
            return candidate;
        }

        /// <summary>DeepfakeBench JSON nesting (docs/design.md, "Dataset JSON") without a compression level: {dataset: {label: {split: {video: {label, frames}}}}}.</summary>
        private void WriteJson()
        {
            var temporary = JsonPath + ".partial";
            using (var stream = File.Create(temporary))
            using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartObject();
                w.WriteStartObject(dataset);
                foreach (var (labelName, videos) in _entries)
                {
                    w.WriteStartObject(labelName);
                    w.WriteStartObject(split);
                    foreach (var (videoName, entry) in videos)
                    {
                        w.WriteStartObject(videoName);
                        w.WriteString("label", entry.Label);
                        w.WriteStartArray("frames");
                        foreach (var frame in entry.Frames) w.WriteStringValue(frame);
                        w.WriteEndArray();
                        w.WriteEndObject();
                    }
                    w.WriteEndObject();
                    w.WriteEndObject();
                }
                w.WriteEndObject();
                w.WriteEndObject();
            }
            File.Move(temporary, JsonPath, overwrite: true);
            _sinceJsonWrite.Restart();
        }
    }
}

using System.Globalization;
using System.Text.Json;

namespace Sta.MLNet;

/// <summary>
/// A DeepfakeBench dataset JSON (docs/design.md, "Dataset JSON") read for one split: nesting
/// <c>{dataset: {label: {split: [{compression:] {video: {"label", "frames", ["masks"]}}[}]}}}</c>, the compression
/// level present only in FaceForensics++-family files. Reading the JSON is eager (it only holds paths); clips are
/// planned lazily by <see cref="EnumerateClips"/>.
/// </summary>
internal sealed class DeepfakeBenchDataset
{
    private DeepfakeBenchDataset(string jsonPath, DeepfakeBenchOptions options, IReadOnlyList<DeepfakeBenchVideo> videos)
    {
        JsonPath = jsonPath;
        Options = options;
        Videos = videos;
    }

    public string JsonPath { get; }

    public DeepfakeBenchOptions Options { get; }

    /// <summary>The split's videos in file order.</summary>
    public IReadOnlyList<DeepfakeBenchVideo> Videos { get; }

    /// <summary>Reads the requested split of a dataset JSON.</summary>
    /// <exception cref="DatasetFileMissingException">The JSON file does not exist.</exception>
    /// <exception cref="DatasetFormatException">
    /// Malformed JSON, unexpected nesting, a label missing from the mapping, a frame name that is not an integer, or
    /// the requested compression level missing; the message names the JSON location.
    /// </exception>
    public static DeepfakeBenchDataset Load(string jsonPath, DeepfakeBenchOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(jsonPath);
        options ??= new DeepfakeBenchOptions();
        if (!File.Exists(jsonPath))
            throw new DatasetFileMissingException(jsonPath);
        var frameRoot = Path.GetFullPath(options.FrameRoot ?? Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);

        JsonDocument document;
        try
        {
            using var stream = File.OpenRead(jsonPath);
            document = JsonDocument.Parse(stream);
        }
        catch (JsonException error)
        {
            throw new DatasetFormatException(jsonPath, $"Malformed JSON: {error.Message}", error);
        }

        using (document)
        {
            var reader = new EntryReader(jsonPath, options, frameRoot);
            return new DeepfakeBenchDataset(jsonPath, options, reader.ReadAll(document.RootElement));
        }
    }

    /// <summary>
    /// Plans the clips of every video, lazily, in video order (docs/design.md, "Clip sampling": frame list sorted by number, the first
    /// <see cref="ClipSamplingOptions.SampledFramesPerVideo"/> kept, consecutive entries cut into clips). A video
    /// whose used frame files are missing (or landmark files, when <paramref name="requireLandmarks"/>), or that is
    /// too short, is reported to <paramref name="onIssue"/> and skipped.
    /// </summary>
    /// <param name="sampling">Default <see cref="ClipSamplingOptions.DeepfakeBench"/>.</param>
    /// <param name="onIssue">Receives every skipped video; required so that no video disappears unnoticed.</param>
    /// <param name="requireLandmarks">Whether the clips' landmark files must exist (needed for Video-level Blending). Default false.</param>
    public IEnumerable<ClipDescriptor> EnumerateClips(
        ClipSamplingOptions? sampling, Action<DatasetIssue> onIssue, bool requireLandmarks = false)
    {
        ArgumentNullException.ThrowIfNull(onIssue);
        sampling ??= ClipSamplingOptions.DeepfakeBench;
        // Plan once up front so that invalid sampling options fail at the call, not at the first MoveNext.
        ClipSampler.PlanFrameList(0, sampling);
        return Enumerate(sampling, onIssue, requireLandmarks);
    }

    private IEnumerable<ClipDescriptor> Enumerate(ClipSamplingOptions sampling, Action<DatasetIssue> onIssue, bool requireLandmarks)
    {
        foreach (var video in Videos)
        {
            var plan = ClipSampler.PlanFrameList(video.FramePaths.Count, sampling, video.VideoId);
            if (plan.IsTooShort)
            {
                var frameFolder = Path.GetDirectoryName(video.FramePaths[0]) ?? video.FramePaths[0];
                onIssue(new DatasetIssue(video.VideoId, frameFolder,
                    new VideoTooShortException(frameFolder, plan.UsableFrameCount, plan.RequiredFrameCount)));
                continue;
            }
            var issue = FindMissingFile(video, plan, requireLandmarks);
            if (issue is not null)
            {
                onIssue(issue);
                continue;
            }
            for (var c = 0; c < plan.Clips.Count; c++)
            {
                var positions = plan.Clips[c];
                yield return new ClipDescriptor(
                    video.VideoId, video.Label, video.LabelName, c, plan.Clips.Count,
                    positions.Select(p => video.FrameNumbers[p]).ToArray(),
                    VideoPath: null,
                    positions.Select(p => video.FramePaths[p]).ToArray(),
                    video.LandmarkPaths is null ? null : positions.Select(p => video.LandmarkPaths[p]).ToArray());
            }
        }
    }

    private DatasetIssue? FindMissingFile(DeepfakeBenchVideo video, ClipPlan plan, bool requireLandmarks)
    {
        var referencedBy = $"{JsonPath} ({video.VideoId})";
        if (requireLandmarks && video.LandmarkPaths is null)
            return new DatasetIssue(video.VideoId, video.FramePaths[0], new DatasetFormatException(video.FramePaths[0],
                $"Cannot derive landmark paths for {video.VideoId}: its frame paths have no 'frames' folder"));
        foreach (var position in plan.Clips.SelectMany(clip => clip).Distinct().Order())
        {
            if (!File.Exists(video.FramePaths[position]))
                return new DatasetIssue(video.VideoId, video.FramePaths[position],
                    new DatasetFileMissingException(video.FramePaths[position], referencedBy));
            if (requireLandmarks && !File.Exists(video.LandmarkPaths![position]))
                return new DatasetIssue(video.VideoId, video.LandmarkPaths[position],
                    new DatasetFileMissingException(video.LandmarkPaths[position], referencedBy));
        }
        return null;
    }

    /// <summary>Walks the JSON tree; every error names the JSON file and the key path that is wrong.</summary>
    private sealed class EntryReader(string jsonPath, DeepfakeBenchOptions options, string frameRoot)
    {
        private readonly string _splitKey = options.Split switch
        {
            DatasetSplit.Train => "train",
            DatasetSplit.Val => "val",
            DatasetSplit.Test => "test",
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Split, "Unknown split."),
        };

        public List<DeepfakeBenchVideo> ReadAll(JsonElement root)
        {
            var videos = new List<DeepfakeBenchVideo>();
            RequireObject(root, "the top level");
            foreach (var dataset in root.EnumerateObject())
            {
                RequireObject(dataset.Value, dataset.Name);
                foreach (var label in dataset.Value.EnumerateObject())
                {
                    if (options.LabelNames is not null && !options.LabelNames.Contains(label.Name))
                        continue;
                    var labelLocation = $"{dataset.Name}/{label.Name}";
                    RequireObject(label.Value, labelLocation);
                    if (!label.Value.TryGetProperty(_splitKey, out var split))
                        continue;
                    ReadSplit(split, dataset.Name, label.Name, $"{labelLocation}/{_splitKey}", videos);
                }
            }
            return videos;
        }

        private void ReadSplit(JsonElement split, string datasetName, string labelKey, string location, List<DeepfakeBenchVideo> videos)
        {
            RequireObject(split, location);
            string? compression = null;
            var entries = split;
            if (split.EnumerateObject().Any(child => !IsVideoEntry(child.Value)))
            {
                // Not video entries: the level below the split is the compression level (FaceForensics++ family).
                if (!split.TryGetProperty(options.Compression, out entries))
                    throw Format($"{location} has compression levels [{string.Join(", ", split.EnumerateObject().Select(p => p.Name))}] " +
                                 $"but not the requested '{options.Compression}' (DeepfakeBenchOptions.Compression)");
                compression = options.Compression;
                location = $"{location}/{compression}";
                RequireObject(entries, location);
            }
            foreach (var entry in entries.EnumerateObject())
                videos.Add(ReadVideo(entry, datasetName, labelKey, compression, $"{location}/{entry.Name}"));
        }

        private DeepfakeBenchVideo ReadVideo(JsonProperty entry, string datasetName, string labelKey, string? compression, string location)
        {
            if (!IsVideoEntry(entry.Value))
                throw Format($"{location} is not a video entry {{\"label\": ..., \"frames\": [...]}}");
            var labelName = labelKey;
            if (entry.Value.TryGetProperty("label", out var labelElement))
            {
                if (labelElement.ValueKind != JsonValueKind.String)
                    throw Format($"{location}/label is not a string");
                labelName = labelElement.GetString()!;
            }
            if (!options.LabelMapping.TryGetValue(labelName, out var label))
                throw Format($"{location} has label '{labelName}', which the label mapping does not know " +
                             $"(known: {string.Join(", ", options.LabelMapping.Keys)}); supply DeepfakeBenchOptions.LabelMapping");

            var frames = SortedByFrameNumber(ReadPathList(entry.Value.GetProperty("frames"), $"{location}/frames"), $"{location}/frames");
            if (frames.Count == 0)
                throw Format($"{location}/frames is empty");
            List<(int Number, string Relative)>? masks = null;
            if (entry.Value.TryGetProperty("masks", out var maskElement) && maskElement.ValueKind != JsonValueKind.Null)
                masks = SortedByFrameNumber(ReadPathList(maskElement, $"{location}/masks"), $"{location}/masks");

            var landmarks = frames.Select(frame => LandmarkPathOf(frame.Relative)).ToArray();
            return new DeepfakeBenchVideo(
                datasetName, labelName, label, options.Split, compression, entry.Name,
                frames.Select(frame => frame.Number).ToArray(),
                frames.Select(frame => Resolve(frame.Relative)).ToArray(),
                landmarks.Any(path => path is null) ? null : landmarks.Select(path => Resolve(path!)).ToArray(),
                masks?.Select(mask => Resolve(mask.Relative)).ToArray());
        }

        private List<string> ReadPathList(JsonElement element, string location)
        {
            if (element.ValueKind != JsonValueKind.Array)
                throw Format($"{location} is not an array of paths");
            var paths = new List<string>();
            foreach (var item in element.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(item.GetString()))
                    throw Format($"{location} holds an item that is not a path: {item.GetRawText()}");
                // DeepfakeBench JSONs written on Windows use backslashes.
                paths.Add(item.GetString()!.Replace('\\', '/'));
            }
            return paths;
        }

        // DeepfakeBench names each frame file after its index in the source video (000.png, 010.png, ...). Its JSONs
        // list frames in directory-listing order, and its own sort (abstract_dataset.py at db3e348) keys on the first
        // path instead of each path, so it keeps that order; this reader sorts by frame number (docs/design.md, "Clip sampling").
        private List<(int Number, string Relative)> SortedByFrameNumber(List<string> paths, string location)
        {
            var numbered = new List<(int Number, string Relative)>(paths.Count);
            foreach (var path in paths)
            {
                var stem = Path.GetFileNameWithoutExtension(path);
                if (!int.TryParse(stem, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                    throw Format($"{location} lists '{path}', whose file name is not a frame number");
                numbered.Add((number, path));
            }
            numbered.Sort((a, b) => a.Number.CompareTo(b.Number));
            for (var i = 1; i < numbered.Count; i++)
                if (numbered[i].Number == numbered[i - 1].Number)
                    throw Format($"{location} lists frame number {numbered[i].Number} twice");
            return numbered;
        }

        // The last folder named exactly "frames" becomes "landmarks" (DeepfakeBench replaces the substring "frames"
        // anywhere, which would also rewrite a video named e.g. "frames_01"); the extension becomes .npy.
        private static string? LandmarkPathOf(string relativeFramePath)
        {
            var segments = relativeFramePath.Split('/');
            for (var i = segments.Length - 2; i >= 0; i--)
            {
                if (segments[i] != "frames")
                    continue;
                segments[i] = "landmarks";
                segments[^1] = Path.ChangeExtension(segments[^1], ".npy");
                return string.Join('/', segments);
            }
            return null;
        }

        private string Resolve(string path) =>
            Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(frameRoot, path));

        private static bool IsVideoEntry(JsonElement element) =>
            element.ValueKind == JsonValueKind.Object && element.TryGetProperty("frames", out _);

        private void RequireObject(JsonElement element, string location)
        {
            if (element.ValueKind != JsonValueKind.Object)
                throw Format($"{location} is a JSON {element.ValueKind}, expected an object");
        }

        private DatasetFormatException Format(string message) => new(jsonPath, message);
    }
}

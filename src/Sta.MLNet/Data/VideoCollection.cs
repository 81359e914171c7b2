using Sta.MLNet.Formats;
using System.Globalization;
using System.Text;

namespace Sta.MLNet;

/// <summary>
/// Labelled video files from a folder tree (labels from sub-folder names) or a CSV list, and their clips planned
/// lazily from each video's frame count.
/// </summary>
internal static class VideoCollection
{
    /// <summary>
    /// Lists the videos under <c>root/real</c> (label 0) and <c>root/fake</c> (label 1) (folder names configurable),
    /// sorted by relative path. A missing label folder contributes no video; both missing is an error.
    /// </summary>
    /// <exception cref="DatasetFileMissingException">The root folder does not exist.</exception>
    /// <exception cref="DatasetFormatException">Neither label folder exists.</exception>
    public static IReadOnlyList<LabeledVideo> FromLabelFolders(string root, VideoFolderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        options ??= new VideoFolderOptions();
        root = Path.GetFullPath(root);
        if (!Directory.Exists(root))
            throw new DatasetFileMissingException(root);
        var labelFolders = new[] { (options.RealFolderName, DeepfakeBenchLabels.Real), (options.FakeFolderName, DeepfakeBenchLabels.Fake) };
        if (labelFolders.All(folder => !Directory.Exists(Path.Combine(root, folder.Item1))))
            throw new DatasetFormatException(root,
                $"Expected label sub-folders '{options.RealFolderName}' and/or '{options.FakeFolderName}' (realFolderName, fakeFolderName)");

        var extensions = new HashSet<string>(options.Extensions, StringComparer.OrdinalIgnoreCase);
        var videos = new List<LabeledVideo>();
        foreach (var (folderName, label) in labelFolders)
        {
            var folder = Path.Combine(root, folderName);
            if (!Directory.Exists(folder))
                continue;
            var search = options.Recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly;
            var files = Directory.EnumerateFiles(folder, "*", search)
                .Where(file => extensions.Contains(Path.GetExtension(file)))
                .Select(file => (File: file, Name: VideoName(folder, file)))
                .OrderBy(file => file.Name, StringComparer.Ordinal);
            foreach (var (file, name) in files)
                videos.Add(new LabeledVideo($"{folderName}_{name}", label, folderName, file));
        }
        return videos;
    }

    /// <summary>
    /// Reads a CSV list of videos: one <c>path,label</c> record per line (further columns ignored), an optional
    /// header line <c>path,label</c>, RFC 4180 quoting, blank lines skipped. Relative paths are resolved against
    /// <see cref="VideoCsvOptions.Root"/>. Files are not opened here: a missing video is reported when clips are
    /// enumerated.
    /// </summary>
    /// <exception cref="DatasetFileMissingException">The CSV file does not exist.</exception>
    /// <exception cref="DatasetFormatException">A malformed line, an unknown label or a video listed twice; the message gives the line.</exception>
    public static IReadOnlyList<LabeledVideo> FromCsv(string csvPath, VideoCsvOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(csvPath);
        options ??= new VideoCsvOptions();
        if (!File.Exists(csvPath))
            throw new DatasetFileMissingException(csvPath);
        var root = Path.GetFullPath(options.Root ?? Path.GetDirectoryName(Path.GetFullPath(csvPath))!);

        var videos = new List<LabeledVideo>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var lineNumber = 0;
        var firstRecord = true;
        foreach (var line in File.ReadLines(csvPath))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            var fields = SplitCsvLine(line, csvPath, lineNumber);
            if (fields.Count < 2 || string.IsNullOrWhiteSpace(fields[0]) || string.IsNullOrWhiteSpace(fields[1]))
                throw new DatasetFormatException(csvPath, $"Line {lineNumber} is not 'path,label': {line}");
            var (pathText, labelText) = (fields[0].Trim(), fields[1].Trim());
            var isHeader = firstRecord && pathText.Equals("path", StringComparison.OrdinalIgnoreCase) &&
                           labelText.Equals("label", StringComparison.OrdinalIgnoreCase);
            firstRecord = false;
            if (isHeader)
                continue;

            var (label, labelName) = ParseLabel(labelText, options, csvPath, lineNumber);
            var normalised = pathText.Replace('\\', '/');
            var fullPath = Path.IsPathRooted(normalised) ? Path.GetFullPath(normalised) : Path.GetFullPath(Path.Combine(root, normalised));
            if (seen.TryGetValue(fullPath, out var earlier))
                throw new DatasetFormatException(csvPath, $"Line {lineNumber} lists {fullPath} again (first on line {earlier})");
            seen[fullPath] = lineNumber;
            videos.Add(new LabeledVideo($"{labelName}_{VideoName(root, fullPath)}", label, labelName, fullPath));
        }
        return videos;
    }

    /// <summary>
    /// Plans the clips of each video lazily, in list order, by opening it for its frame count (one frame decoded per
    /// video). A video that cannot be opened, has no decodable frame, or is too short for a clip (with
    /// <see cref="ShortVideoPolicy.Reject"/>) is reported to <paramref name="onIssue"/> and skipped.
    /// </summary>
    /// <param name="videos">The videos, e.g. from <see cref="FromLabelFolders"/> or <see cref="FromCsv"/>.</param>
    /// <param name="sampling">Default <see cref="ClipSamplingOptions.DeepfakeBench"/>.</param>
    /// <param name="onIssue">Receives every skipped video; required so that no video disappears unnoticed.</param>
    /// <param name="countDecodableFrames">
    /// Decode every video once to count the frames that really decode, instead of trusting the container's count
    /// (catches truncated files before training, at the cost of a full decode). Default false: a truncated video
    /// then fails when its clips are decoded (<see cref="VideoFramesUnavailableException"/>).
    /// </param>
    public static IEnumerable<ClipDescriptor> EnumerateClips(
        IEnumerable<LabeledVideo> videos, ClipSamplingOptions? sampling, Action<DatasetIssue> onIssue, bool countDecodableFrames = false)
    {
        ArgumentNullException.ThrowIfNull(videos);
        ArgumentNullException.ThrowIfNull(onIssue);
        sampling ??= ClipSamplingOptions.DeepfakeBench;
        ClipSampler.PlanVideo(0, sampling);
        return Enumerate(videos, sampling, onIssue, countDecodableFrames);
    }

    private static IEnumerable<ClipDescriptor> Enumerate(
        IEnumerable<LabeledVideo> videos, ClipSamplingOptions sampling, Action<DatasetIssue> onIssue, bool countDecodableFrames)
    {
        foreach (var video in videos)
        {
            int frameCount;
            try
            {
                using var reader = VideoReader.Open(video.Path);
                frameCount = countDecodableFrames ? reader.CountDecodableFrames() : reader.Info.FrameCount;
            }
            catch (VideoDecodeException error)
            {
                onIssue(new DatasetIssue(video.VideoId, video.Path, error));
                continue;
            }

            var plan = ClipSampler.PlanVideo(frameCount, sampling, video.VideoId);
            if (plan.IsTooShort)
            {
                onIssue(new DatasetIssue(video.VideoId, video.Path,
                    new VideoTooShortException(video.Path, plan.UsableFrameCount, plan.RequiredFrameCount)));
                continue;
            }
            for (var c = 0; c < plan.Clips.Count; c++)
                yield return new ClipDescriptor(video.VideoId, video.Label, video.LabelName, c, plan.Clips.Count,
                    plan.Clips[c], video.Path, FramePaths: null, LandmarkPaths: null);
        }
    }

    private static (int Label, string Name) ParseLabel(string text, VideoCsvOptions options, string csvPath, int lineNumber)
    {
        if (text == "0")
            return (DeepfakeBenchLabels.Real, "real");
        if (text == "1")
            return (DeepfakeBenchLabels.Fake, "fake");
        if (options.LabelMapping.TryGetValue(text, out var label))
            return (label, text);
        throw new DatasetFormatException(csvPath,
            $"Line {lineNumber} has label '{text}', which is neither 0/1 nor a name in the label mapping");
    }

    private static string VideoName(string root, string file)
    {
        var relative = Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/');
        var extension = Path.GetExtension(relative);
        return extension.Length > 0 ? relative[..^extension.Length] : relative;
    }

    private static List<string> SplitCsvLine(string line, string csvPath, int lineNumber)
    {
        try
        {
            return CsvRecord.Split(line);
        }
        catch (FormatException)
        {
            throw new DatasetFormatException(csvPath,
                string.Create(CultureInfo.InvariantCulture, $"Line {lineNumber} has an unterminated quoted field: {line}"));
        }
    }
}

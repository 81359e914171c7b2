using System.Text.Json;
using System.Text.Json.Nodes;
using OpenCvSharp;
using Sta.MLNet;
using Sta.MLNet.Tests.Video;

namespace Sta.MLNet.Tests.Data;

/// <summary>
/// Builds a small DeepfakeBench-style tree in a temporary folder: <c>&lt;root&gt;/&lt;relative&gt;/frames/&lt;video&gt;/&lt;n&gt;.png</c>
/// crops, <c>landmarks/&lt;video&gt;/&lt;n&gt;.npy</c> int arrays [81, 2], and a dataset JSON listing them with the nesting of
/// DeepfakeBench's <c>rearrange.py</c>. Frames are small solid images whose grey level is the frame number (the loader
/// tests use real face crops instead).
/// </summary>
internal sealed class SyntheticDeepfakeBenchTree
{
    private readonly JsonObject _datasets = new();

    public SyntheticDeepfakeBenchTree(string name)
    {
        Root = TestVideos.NewScratchFolder(name);
    }

    public string Root { get; }

    /// <summary>
    /// Adds a video entry and writes its files. <paramref name="frameNumbers"/> are listed in the given order (the
    /// reader must sort them). Returns the relative frame paths as listed.
    /// </summary>
    public IReadOnlyList<string> AddVideo(
        string dataset, string label, string split, string? compression, string folder, string video,
        IReadOnlyList<int> frameNumbers, bool writeFiles = true, bool writeLandmarks = true, bool withMasks = false)
    {
        var frames = frameNumbers.Select(n => $"{folder}/frames/{video}/{n:D3}.png").ToList();
        if (writeFiles)
        {
            foreach (var (number, relative) in frameNumbers.Zip(frames))
            {
                var path = Path.Combine(Root, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                using var image = new Mat(16, 16, MatType.CV_8UC3, new Scalar(number % 256, number % 256, number % 256));
                Cv2.ImWrite(path, image);
                if (writeLandmarks)
                {
                    var landmarkPath = Path.Combine(Root, relative.Replace("/frames/", "/landmarks/")[..^4] + ".npy");
                    Directory.CreateDirectory(Path.GetDirectoryName(landmarkPath)!);
                    NpyFile.Write(landmarkPath, Landmarks(number));
                }
            }
        }

        var entry = new JsonObject { ["label"] = label, ["frames"] = new JsonArray(frames.Select(f => (JsonNode)f!).ToArray()) };
        if (withMasks)
            entry["masks"] = new JsonArray(frames.Select(f => (JsonNode)f.Replace("/frames/", "/masks/")!).ToArray());
        var level = Child(Child(Child(_datasets, dataset), label), split);
        if (compression is not null)
            level = Child(level, compression);
        level[video] = entry;
        return frames;
    }

    /// <summary>Landmarks written for frame <paramref name="number"/>: point i = (i + number, 2 i), int64.</summary>
    public static NpyArray Landmarks(int number) =>
        new(NpyElementType.Int64, [81, 2], Enumerable.Range(0, 81).SelectMany(i => new double[] { i + number, 2 * i }).ToArray());

    /// <summary>Writes the JSON (into the root unless a folder is given) and returns its path.</summary>
    public string WriteJson(string fileName, string? folder = null)
    {
        var path = Path.Combine(folder ?? Root, fileName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, _datasets.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }

    public string WriteRawJson(string fileName, string text)
    {
        var path = Path.Combine(Root, fileName);
        File.WriteAllText(path, text);
        return path;
    }

    private static JsonObject Child(JsonObject parent, string key)
    {
        if (parent[key] is JsonObject existing)
            return existing;
        var created = new JsonObject();
        parent[key] = created;
        return created;
    }
}

namespace Sta.MLNet.Data;

/// <summary>
/// The label a folder layout gives a video: "real" or "fake" when a folder of that name (any case) contains it, the
/// nearest one winning. The one rule behind <c>sta score</c>'s labels, the CLI's evaluation and the cluster's manifests.
/// </summary>
internal static class FolderLabels
{
    public static string? Of(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        while (!string.IsNullOrEmpty(directory))
        {
            var name = Path.GetFileName(directory);
            if (name.Equals("real", StringComparison.OrdinalIgnoreCase)) return "real";
            if (name.Equals("fake", StringComparison.OrdinalIgnoreCase)) return "fake";
            directory = Path.GetDirectoryName(directory);
        }
        return null;
    }
}

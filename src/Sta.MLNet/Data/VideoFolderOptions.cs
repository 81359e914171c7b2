namespace Sta.MLNet;

/// <summary>Layout of a folder of labelled videos: <c>root/real/**</c> and <c>root/fake/**</c>.</summary>
internal sealed record VideoFolderOptions
{
    /// <summary>Sub-folder holding real videos (label 0). Default "real".</summary>
    public string RealFolderName { get; init; } = "real";

    /// <summary>Sub-folder holding fake videos (label 1). Default "fake".</summary>
    public string FakeFolderName { get; init; } = "fake";

    /// <summary>File extensions taken as videos, case-insensitive. Default: common FFmpeg-readable containers.</summary>
    public IReadOnlyCollection<string> Extensions { get; init; } =
        [".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv"];

    /// <summary>Whether videos in nested folders under the label folders count. Default true.</summary>
    public bool Recursive { get; init; } = true;
}

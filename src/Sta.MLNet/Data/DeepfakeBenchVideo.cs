namespace Sta.MLNet;

/// <summary>One video entry of a DeepfakeBench dataset JSON, its frames sorted by frame number.</summary>
/// <param name="DatasetName">Top-level key of the JSON (e.g. "FaceForensics++").</param>
/// <param name="LabelName">The entry's label name (e.g. "FF-DF").</param>
/// <param name="Label">Class from the label mapping: 0 real, 1 fake.</param>
/// <param name="Split">The split the entry was read from.</param>
/// <param name="Compression">Compression level key ("c23", ...) for FaceForensics++-family files, otherwise null.</param>
/// <param name="VideoName">The entry's key (e.g. "000_003").</param>
/// <param name="FrameNumbers">Integer stems of the frame files, ascending (the frames' indices in the source video).</param>
/// <param name="FramePaths">Frame image files, resolved against the frame root, in <paramref name="FrameNumbers"/> order.</param>
/// <param name="LandmarkPaths">
/// Landmark files derived from the frame paths (the <c>frames</c> folder replaced by <c>landmarks</c>, extension
/// <c>.npy</c>), or null when the frame paths have no <c>frames</c> folder.
/// </param>
/// <param name="MaskPaths">Mask files the entry lists (FF++ fakes), sorted by frame number; null when it lists none.</param>
internal sealed record DeepfakeBenchVideo(
    string DatasetName,
    string LabelName,
    int Label,
    DatasetSplit Split,
    string? Compression,
    string VideoName,
    IReadOnlyList<int> FrameNumbers,
    IReadOnlyList<string> FramePaths,
    IReadOnlyList<string>? LandmarkPaths,
    IReadOnlyList<string>? MaskPaths)
{
    /// <summary>Video-level grouping id, <c>&lt;label_name&gt;_&lt;video_name&gt;</c> (DeepfakeBench's convention).</summary>
    public string VideoId => $"{LabelName}_{VideoName}";
}

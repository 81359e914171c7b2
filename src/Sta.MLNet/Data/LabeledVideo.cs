namespace Sta.MLNet;

/// <summary>A video file with its class, from a folder-of-videos or CSV source (<see cref="VideoCollection"/>).</summary>
/// <param name="VideoId"><c>&lt;label_name&gt;_&lt;video name&gt;</c>, the video name being its path relative to the source root without extension.</param>
/// <param name="Label">Class: 0 real, 1 fake.</param>
/// <param name="LabelName">The label as the source spells it (folder name or CSV label).</param>
/// <param name="Path">Full path of the video file.</param>
internal sealed record LabeledVideo(string VideoId, int Label, string LabelName, string Path);

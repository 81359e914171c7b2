namespace Sta.MLNet;

/// <summary>
/// Names of the columns the video clip stages and sources produce. Defaults are the names the StA stages expect
/// ("Clip" for <see cref="StaDetectionTransformer"/>) and that video-level evaluation groups by ("VideoId").
/// </summary>
public sealed record VideoClipColumns
{
    /// <summary>Vector&lt;Single&gt;[T, 3, S, S]: CLIP-normalised RGB aligned face crops. Default "Clip".</summary>
    public string Clip { get; init; } = "Clip";

    /// <summary>Vector&lt;Single&gt;[T, 68, 2]: landmarks (x, y) in crop pixels (for Video-level Blending). Default "Landmarks".</summary>
    public string Landmarks { get; init; } = "Landmarks";

    /// <summary>Int32: 0-based index of the clip in its video. Default "ClipIndex".</summary>
    public string ClipIndex { get; init; } = "ClipIndex";

    /// <summary>Int32: clips of the video under the sampling protocol. Default "ClipCount".</summary>
    public string ClipCount { get; init; } = "ClipCount";

    /// <summary>Int32: index of the clip's first frame in the video. Default "FirstFrame".</summary>
    public string FirstFrame { get; init; } = "FirstFrame";

    /// <summary>Int32: frames of the clip with a detected face. Default "FacesFound".</summary>
    public string FacesFound { get; init; } = "FacesFound";

    /// <summary>Int32: frames of the clip without a detected face (they borrowed a neighbour's box). Default "FramesWithoutFace".</summary>
    public string FramesWithoutFace { get; init; } = "FramesWithoutFace";

    /// <summary>Boolean: no face in the whole clip (only with <see cref="FacelessClipHandling.EmitBlack"/>). Default "IsFaceless".</summary>
    public string IsFaceless { get; init; } = "IsFaceless";

    /// <summary>Text: the video's id (sources: <c>label_video</c>; path expansion: the path). Default "VideoId".</summary>
    public string VideoId { get; init; } = "VideoId";

    /// <summary>Boolean: the label, true = fake (sources only). Default "Label".</summary>
    public string Label { get; init; } = "Label";

    /// <summary>Text: the video's path (sources only). Default "VideoPath".</summary>
    public string VideoPath { get; init; } = "VideoPath";

    internal void Validate()
    {
        string[] names = [Clip, Landmarks, ClipIndex, ClipCount, FirstFrame, FacesFound, FramesWithoutFace, IsFaceless, VideoId, Label, VideoPath];
        if (names.Any(string.IsNullOrWhiteSpace))
            throw new ArgumentException("Every video clip column needs a non-empty name.");
        var duplicate = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException($"Video clip column name '{duplicate.Key}' is used twice.");
    }

    internal void Write(BinaryWriter writer)
    {
        foreach (var name in new[] { Clip, Landmarks, ClipIndex, ClipCount, FirstFrame, FacesFound, FramesWithoutFace, IsFaceless, VideoId, Label, VideoPath })
            writer.Write(name);
    }

    internal static VideoClipColumns Read(BinaryReader reader) => new()
    {
        Clip = reader.ReadString(), Landmarks = reader.ReadString(), ClipIndex = reader.ReadString(), ClipCount = reader.ReadString(),
        FirstFrame = reader.ReadString(), FacesFound = reader.ReadString(), FramesWithoutFace = reader.ReadString(),
        IsFaceless = reader.ReadString(), VideoId = reader.ReadString(), Label = reader.ReadString(), VideoPath = reader.ReadString(),
    };
}

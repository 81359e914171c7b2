namespace Sta.MLNet;

/// <summary>
/// One clip of a dataset, described by paths and indices only (nothing decoded): what a data source hands to the
/// decoder. Exactly one of <see cref="VideoPath"/> (decode <see cref="FrameIndices"/> from a video file) and
/// <see cref="FramePaths"/> (load extracted frame images) is set.
/// </summary>
/// <param name="VideoId">Id that groups the clips of a video for video-level scoring: <c>&lt;label_name&gt;_&lt;video_name&gt;</c>.</param>
/// <param name="Label">Class: 0 real, 1 fake.</param>
/// <param name="LabelName">The dataset's label name (e.g. "FF-DF", "fake").</param>
/// <param name="ClipIndex">Index of the clip within its video (0-based, in time order).</param>
/// <param name="ClipCount">Number of clips of the video.</param>
/// <param name="FrameIndices">
/// Frame numbers in the original video, in clip order: decoding indices for a video file; for extracted frames the
/// numbers in their file names (DeepfakeBench names a frame after its index in the source video).
/// </param>
/// <param name="VideoPath">The video file, for clips decoded from video.</param>
/// <param name="FramePaths">Frame image files in clip order, for extracted frames.</param>
/// <param name="LandmarkPaths">Landmark .npy files matching <paramref name="FramePaths"/>, for extracted frames.</param>
internal sealed record ClipDescriptor(
    string VideoId,
    int Label,
    string LabelName,
    int ClipIndex,
    int ClipCount,
    IReadOnlyList<int> FrameIndices,
    string? VideoPath,
    IReadOnlyList<string>? FramePaths,
    IReadOnlyList<string>? LandmarkPaths);

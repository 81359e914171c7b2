namespace Sta.MLNet;

/// <summary>
/// A video or clip that a data view or scorer left out, and why. Reported through the caller's callback as soon as it
/// happens; the pass goes on with the next clip or video and nothing is scored in its place.
/// </summary>
/// <param name="Path">The file at fault (video, frame or landmark file).</param>
/// <param name="VideoId">The video's id when known (sources), else the path.</param>
/// <param name="ClipIndex">The clip, or -1 when the whole video was skipped (cannot be opened, too short).</param>
/// <param name="Error">The typed error; its message says what is wrong.</param>
public sealed record ClipIssue(string Path, string VideoId, int ClipIndex, StaException Error);

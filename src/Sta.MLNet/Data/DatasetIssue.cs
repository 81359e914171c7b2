namespace Sta.MLNet;

/// <summary>
/// A video left out of a dataset pass, and why (missing files, undecodable or too short video). Dataset readers
/// report each one to the caller's callback and go on with the next video; nothing is scored in its place.
/// </summary>
/// <param name="VideoId">The video's id (<c>label_video</c>).</param>
/// <param name="Path">The file at fault (the video, or the missing frame/landmark file).</param>
/// <param name="Error">The typed error; its message says what is wrong.</param>
internal sealed record DatasetIssue(string VideoId, string Path, StaException Error);

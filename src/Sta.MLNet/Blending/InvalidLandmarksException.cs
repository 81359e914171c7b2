namespace Sta.MLNet;

/// <summary>
/// Landmarks that Video-level Blending cannot use: missing, too few points for the clip's frames, or non-finite
/// values (a frame where the face was not found). The reference silently substituted another clip; here the caller
/// decides (e.g. skip the clip; docs/design.md, "Video-level Blending choices").
/// </summary>
internal sealed class InvalidLandmarksException : ArgumentException
{
    public InvalidLandmarksException(string message, int? frameIndex = null, string? paramName = "landmarks")
        : base(message, paramName)
    {
        FrameIndex = frameIndex;
    }

    /// <summary>Wraps <paramref name="inner"/> with where the landmarks came from (e.g. a data row).</summary>
    public InvalidLandmarksException(string message, Exception inner, int? frameIndex = null, long? rowId = null, string? paramName = "landmarks")
        : base(message, paramName, inner)
    {
        FrameIndex = frameIndex;
        RowId = rowId;
    }

    /// <summary>The 0-based frame whose landmarks are unusable, when one frame is to blame.</summary>
    public int? FrameIndex { get; }

    /// <summary>The id of the data row whose landmarks are unusable, when they came from a data view (the 64-bit clip
    /// key of the row, as in the SourceRowId column of the blending data operation).</summary>
    public long? RowId { get; init; }
}

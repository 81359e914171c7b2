namespace Sta.MLNet;

/// <summary>The aligned faces of one clip. Owns the crops: dispose it.</summary>
/// <param name="Faces">Which box each frame used and whether it was detected there (the no-face policy's result).</param>
/// <param name="Frames">One result per frame; all null when the clip is face-less (<see cref="ClipFaces.IsFaceless"/>).</param>
internal sealed record ClipFaceAlignment(ClipFaces Faces, IReadOnlyList<AlignedFaceResult?> Frames) : IDisposable
{
    public int FramesWithoutFace => Faces.FramesWithoutFace;
    public bool IsFaceless => Faces.IsFaceless;

    public void Dispose()
    {
        foreach (var frame in Frames)
            frame?.Dispose();
    }
}

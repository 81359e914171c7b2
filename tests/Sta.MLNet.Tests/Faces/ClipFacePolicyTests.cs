using Sta.MLNet;

namespace Sta.MLNet.Tests.Faces;

public class ClipFacePolicyTests
{
    private static readonly FaceBox A = new(10, 10, 50, 50);
    private static readonly FaceBox B = new(200, 10, 240, 50);

    [Fact]
    public void FramesWithoutFaceTakeTheNearestDetectedBox()
    {
        var clip = ClipFacePolicy.FillFromNearestFrame([null, A, null, null, B, null]);
        Assert.Equal([A, A, A, B, B, B], clip.Frames.Select(f => f.Box!.Value));
        Assert.Equal([1, 1, 1, 4, 4, 4], clip.Frames.Select(f => f.SourceFrameIndex!.Value));
        Assert.Equal([false, true, false, false, true, false], clip.Frames.Select(f => f.Detected));
        Assert.Equal(4, clip.FramesWithoutFace);
        Assert.False(clip.IsFaceless);
    }

    [Fact]
    public void TiesGoToTheEarlierFrame()
    {
        var clip = ClipFacePolicy.FillFromNearestFrame([A, null, B]);
        Assert.Equal(A, clip.Frames[1].Box);
        Assert.Equal(0, clip.Frames[1].SourceFrameIndex);
        Assert.Equal(1, clip.FramesWithoutFace);
    }

    [Fact]
    public void ClipWithoutAnyFaceIsFaceless()
    {
        var clip = ClipFacePolicy.FillFromNearestFrame([null, null, null]);
        Assert.True(clip.IsFaceless);
        Assert.Equal(3, clip.FramesWithoutFace);
        Assert.All(clip.Frames, f => Assert.False(f.HasBox));
        Assert.All(clip.Frames, f => Assert.Null(f.SourceFrameIndex));
    }

    [Fact]
    public void FullyDetectedClipIsUnchanged()
    {
        var clip = ClipFacePolicy.FillFromNearestFrame([A, B]);
        Assert.Equal(0, clip.FramesWithoutFace);
        Assert.Equal([A, B], clip.Frames.Select(f => f.Box!.Value));
    }
}

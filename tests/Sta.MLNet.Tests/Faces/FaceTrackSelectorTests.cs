using Sta.MLNet;

namespace Sta.MLNet.Tests.Faces;

public class FaceTrackSelectorTests
{
    private static FaceDetection D(int left, int top, int size) => new(new FaceBox(left, top, left + size - 1, top + size - 1), double.NaN);

    [Fact]
    public void FirstFrameTakesTheLargestFaceFirstOnTies()
    {
        var selector = new FaceTrackSelector();
        Assert.Equal(D(300, 0, 80).Box, selector.Select([D(0, 0, 50), D(300, 0, 80), D(100, 0, 60)], null));
        Assert.Equal(D(0, 0, 50).Box, selector.Select([D(0, 0, 50), D(200, 0, 50)], null));
        Assert.Null(selector.Select([], null));
    }

    [Fact]
    public void FollowsThePreviousFaceEvenWhenAnotherIsLarger()
    {
        var selector = new FaceTrackSelector();
        var previous = D(0, 0, 50).Box;
        Assert.Equal(D(3, 2, 50).Box, selector.Select([D(300, 0, 90), D(3, 2, 50)], previous));
    }

    [Fact]
    public void FallsBackToTheLargestWhenNothingOverlaps()
    {
        var selector = new FaceTrackSelector(minOverlap: 0.3);
        var previous = D(0, 0, 50).Box;
        Assert.Equal(D(300, 0, 90).Box, selector.Select([D(300, 0, 90), D(40, 40, 50)], previous));
    }

    [Fact]
    public void IntersectionOverUnionUsesInclusivePixels()
    {
        var a = new FaceBox(0, 0, 9, 9);
        Assert.Equal(1.0, a.IntersectionOverUnion(a));
        Assert.Equal(50.0 / 150.0, a.IntersectionOverUnion(new FaceBox(5, 0, 14, 9)), 12);
        Assert.Equal(0.0, a.IntersectionOverUnion(new FaceBox(10, 0, 19, 9)));
    }
}

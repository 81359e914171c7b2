using Sta.MLNet;

namespace Sta.MLNet.Tests.Data;

public sealed class PhotoMotionPathTests
{
    [Fact]
    public void PosesStayWithinTheAmplitudesAndMoveSmoothly()
    {
        var options = new PhotoMotionOptions();
        var path = new PhotoMotionPath(seed: 11, photoShortSide: 400, options);
        var poses = Enumerable.Range(0, 500).Select(f => path.At(f)).ToList();
        var shift = options.MaxTranslation * 400;
        Assert.All(poses, p =>
        {
            Assert.InRange(Math.Abs(p.ShiftX), 0, shift + 1e-9);
            Assert.InRange(Math.Abs(p.ShiftY), 0, shift + 1e-9);
            Assert.InRange(p.Zoom, 1 - options.MaxZoom - 1e-9, 1 + options.MaxZoom + 1e-9);
            Assert.InRange(Math.Abs(p.AngleDegrees), 0, options.MaxRotationDegrees + 1e-9);
            Assert.InRange(p.Gain, 1 - options.MaxContrast - 1e-9, 1 + options.MaxContrast + 1e-9);
            Assert.InRange(Math.Abs(p.Brightness), 0, options.MaxBrightness + 1e-9);
        });
        // The path uses a good part of its range, one frame at a time: the largest step between frames is bounded
        // by amplitude x 2 pi / shortest period.
        Assert.True(poses.Max(p => Math.Abs(p.ShiftX)) > 0.3 * shift);
        var maxStep = poses.Zip(poses.Skip(1)).Max(p => Math.Abs(p.Second.ShiftX - p.First.ShiftX));
        Assert.InRange(maxStep, 1e-6, shift * 2 * Math.PI / options.MinPeriodFrames + 1e-9);

        Assert.Equal(path.At(123), new PhotoMotionPath(11, 400, options).At(123));
        Assert.NotEqual(path.At(123), new PhotoMotionPath(12, 400, options).At(123));
    }
}

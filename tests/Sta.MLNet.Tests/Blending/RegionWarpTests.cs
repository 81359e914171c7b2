using OpenCvSharp;
using Sta.MLNet;

namespace Sta.MLNet.Tests.Blending;

public sealed class RegionWarpTests
{
    [Fact]
    public void Rotation_follows_OpenCV_getRotationMatrix2D()
    {
        var random = new Random(1);
        for (var i = 0; i < 20; i++)
        {
            var center = new Point2f((float)(random.NextDouble() * 224), (float)(random.NextDouble() * 224));
            var angle = random.NextDouble() * 20 - 10;
            var scale = 0.9 + random.NextDouble() * 0.2;
            using var expected = Cv2.GetRotationMatrix2D(center, angle, scale);
            var actual = AffineTransform2D.RotationAbout(center.X, center.Y, angle, scale);
            for (var r = 0; r < 2; r++)
                for (var c = 0; c < 3; c++)
                    Assert.Equal(expected.At<double>(r, c), actual[r, c], 1e-9);
        }
    }

    [Fact]
    public void Warp_undoes_the_landmark_perturbation()
    {
        var (_, landmarks) = AstronautClip.Load(frameCount: 1);
        var options = new VideoBlendOptions();
        var center = RegionWarp.Center(landmarks, options);
        var draw = new VbRegionDraw(AngleDegrees: -3.2, Scale: 1.03, ShiftX: 1.7, ShiftY: -2.1);
        var warp = RegionWarp.Compute(landmarks, center, draw, options);
        var inverse = warp.Similarity.Invert();
        for (var r = 0; r < 2; r++)
            for (var c = 0; c < 3; c++)
                Assert.Equal(inverse[r, c], warp.Warp[r, c], 1e-4); // float32 anchor points: ~2e-5 in the reference
        var (x, y) = warp.Warp.Apply(warp.Similarity.Apply(100, 120).X, warp.Similarity.Apply(100, 120).Y);
        Assert.Equal(100, x, 1e-2);
        Assert.Equal(120, y, 1e-2);
    }

    [Fact]
    public void Anchor_outside_the_perturbed_range_stays_put()
    {
        var (_, landmarks) = AstronautClip.Load(frameCount: 1);
        // With a jaw point as an anchor, only the other two anchors move: M is then no longer P^-1.
        var options = new VideoBlendOptions { AffineAnchorLandmarks = [8, 36, 45] };
        var center = RegionWarp.Center(landmarks, options);
        var warp = RegionWarp.Compute(landmarks, center, new VbRegionDraw(4, 1.04, 2, 2), options);
        var (x, y) = warp.Warp.Apply(landmarks[16], landmarks[17]);
        Assert.Equal(landmarks[16], x, 1e-3);
        Assert.Equal(landmarks[17], y, 1e-3);
        Assert.NotEqual(warp.Similarity.Invert().M02, warp.Warp.M02, 1e-2);
    }
}

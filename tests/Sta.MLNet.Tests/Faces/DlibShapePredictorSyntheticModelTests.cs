using OpenCvSharp;
using Sta.MLNet;

namespace Sta.MLNet.Tests.Faces;

/// <summary>
/// A hand-built 3-landmark model (the reader and predictor are generic in the number of parts, as the 81-point model
/// needs): one cascade, two feature pixels, one depth-1 tree whose split compares them.
/// </summary>
public class DlibShapePredictorSyntheticModelTests
{
    private static readonly float[] MeanShape = [0.2f, 0.3f, 0.8f, 0.3f, 0.5f, 0.8f];
    private static readonly float[] LeftLeaf = [0.01f, 0.02f, 0.01f, 0.02f, 0.01f, 0.02f];
    private static readonly float[] RightLeaf = [-0.01f, 0f, -0.01f, 0f, -0.01f, 0f];

    private static ShapePredictorModel BuildModel()
    {
        var writer = new DlibModelWriter()
            .Integer(1) // version
            .ColumnVector(MeanShape)
            .Integer(1) // cascades
            .Integer(1) // trees in cascade 0
            .Integer(1) // splits of tree 0
            .Integer(0).Integer(1).Single(10f) // go left when pixel0 - pixel1 > 10
            .Integer(2) // leaves
            .ColumnVector(LeftLeaf)
            .ColumnVector(RightLeaf)
            .Integer(1) // anchor lists
            .Integer(2).Integer(0).Integer(1) // feature 0 anchored at part 0, feature 1 at part 1
            .Integer(1) // offset lists
            .Integer(2).Single(0f).Single(0f).Single(0f).Single(0.1f); // feature 1 is 0.1 below part 1
        return ShapePredictorModel.Parse(writer.ToArray(), "synthetic.dat");
    }

    [Theory]
    [InlineData(200, true)]
    [InlineData(5, false)]
    public void WalksTheTreeOnTheSampledPixels(byte brightness, bool expectLeft)
    {
        var model = BuildModel();
        Assert.Equal(3, model.PartCount);
        var predictor = new DlibShapePredictor(model);
        using var image = new Mat(101, 101, MatType.CV_8UC3, Scalar.All(0));
        // Box [0, 0, 100, 100]: normalised (u, v) -> pixel (100 u, 100 v). Feature 0 samples (20, 30), feature 1 (80, 40).
        image.Set(30, 20, new Vec3b(brightness, brightness, brightness));
        var result = predictor.Predict(image, new FaceBox(0, 0, 100, 100));
        var leaf = expectLeft ? LeftLeaf : RightLeaf;
        for (var i = 0; i < 6; i++)
            Assert.Equal(MeanShape[i] + leaf[i], result.NormalizedShape[i]);
        Assert.Equal(100 * (double)(MeanShape[0] + leaf[0]), result.Points[0].X, 9);
        Assert.Equal(new Point((int)Math.Floor(100 * (double)(MeanShape[4] + leaf[4]) + 0.5), (int)Math.Floor(100 * (double)(MeanShape[5] + leaf[5]) + 0.5)), result.Parts[2]);
    }

    [Fact]
    public void PixelsOutsideTheImageReadAsZero()
    {
        var predictor = new DlibShapePredictor(BuildModel());
        // Shifted box: feature 0 lands at (-80, -70), outside; feature 1 at (-20, -60), outside: 0 - 0 > 10 is false.
        using var image = new Mat(50, 50, MatType.CV_8UC1, Scalar.All(255));
        var result = predictor.Predict(image, new FaceBox(-100, -100, 0, 0));
        Assert.Equal(MeanShape[0] + RightLeaf[0], result.NormalizedShape[0]);
    }

    [Fact]
    public void RejectsATreeThatIsNotComplete()
    {
        var writer = new DlibModelWriter()
            .Integer(1).ColumnVector(MeanShape)
            .Integer(1).Integer(1)
            .Integer(1).Integer(0).Integer(1).Single(0f)
            .Integer(3).ColumnVector(LeftLeaf).ColumnVector(LeftLeaf).ColumnVector(LeftLeaf);
        var error = Assert.Throws<InvalidDataException>(() => ShapePredictorModel.Parse(writer.ToArray(), "bad-tree.dat"));
        Assert.Contains("complete binary tree", error.Message);
    }

    [Fact]
    public void RejectsSplitsOnMissingFeaturePixels()
    {
        var writer = new DlibModelWriter()
            .Integer(1).ColumnVector(MeanShape)
            .Integer(1).Integer(1)
            .Integer(1).Integer(0).Integer(7).Single(0f)
            .Integer(2).ColumnVector(LeftLeaf).ColumnVector(RightLeaf)
            .Integer(1).Integer(2).Integer(0).Integer(1)
            .Integer(1).Integer(2).Single(0f).Single(0f).Single(0f).Single(0f);
        var error = Assert.Throws<InvalidDataException>(() => ShapePredictorModel.Parse(writer.ToArray(), "bad-split.dat"));
        Assert.Contains("feature pixel 7", error.Message);
    }
}

namespace Sta.MLNet;

/// <summary>
/// One level of dlib's shape-predictor cascade, flattened for fast evaluation: the feature pixels (anchor landmark
/// and offset in the normalised space of the mean shape) and the regression trees (splits in heap order, children
/// 2i+1 / 2i+2, and one shape increment of 2 x parts floats per leaf).
/// </summary>
internal sealed class RegressionCascade
{
    public required int[] AnchorIndex { get; init; }
    public required float[] DeltaX { get; init; }
    public required float[] DeltaY { get; init; }

    /// <summary>Tree t's splits are [SplitStart[t], SplitStart[t+1]); its leaves start at leaf LeafStart[t].</summary>
    public required int[] SplitStart { get; init; }
    public required int[] LeafStart { get; init; }
    public required int[] SplitPixel1 { get; init; }
    public required int[] SplitPixel2 { get; init; }
    public required float[] SplitThreshold { get; init; }

    /// <summary>All leaf vectors back to back, each 2 x parts floats (x0, y0, x1, y1, ...).</summary>
    public required float[] LeafValues { get; init; }

    public int FeatureCount => AnchorIndex.Length;
    public int TreeCount => SplitStart.Length - 1;
}

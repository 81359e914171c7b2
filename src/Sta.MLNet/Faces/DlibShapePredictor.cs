using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>
/// Landmarks of a face box with a dlib shape predictor model, reproducing dlib's <c>shape_predictor::operator()</c>
/// step for step so that results match C++ dlib: the same pixel rounding, tree walk and float32 accumulation order.
/// Stateless apart from the immutable model, hence safe to share between threads; each call allocates only its result.
/// </summary>
internal sealed class DlibShapePredictor
{
    /// <summary>Uses an already loaded model.</summary>
    public DlibShapePredictor(ShapePredictorModel model)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
    }

    /// <summary>
    /// The predictor for the model file at <paramref name="modelPath"/> (default: the 68-point model of Debian's
    /// libdlib-data, <see cref="FaceModelPaths.DlibShapePredictor68"/>), loaded once per path and process.
    /// </summary>
    /// <exception cref="FaceModelNotFoundException">The model file does not exist.</exception>
    public static DlibShapePredictor FromFile(string? modelPath = null) => new(ShapePredictorModel.LoadCached(modelPath));

    public ShapePredictorModel Model { get; }

    /// <summary>Number of landmarks this predictor returns.</summary>
    public int PartCount => Model.PartCount;

    /// <summary>
    /// Landmarks of the face in <paramref name="box"/> of an 8-bit image with 1, 3 or 4 channels (any channel order:
    /// dlib's grey level (r + g + b) / 3 does not depend on it). Only the sampled pixels are read.
    /// </summary>
    public FaceLandmarks Predict(Mat image, FaceBox box) => Predict(MatIntensitySource.Create(image), box);

    /// <summary>Landmarks of the face in <paramref name="box"/> of a grey image (convert a frame once for many faces).</summary>
    public unsafe FaceLandmarks Predict(GreyImage image, FaceBox box)
    {
        ArgumentNullException.ThrowIfNull(image);
        fixed (byte* pixels = image.Pixels)
            return Predict(new MatIntensitySource(pixels, image.Width, image.Height, image.Width, 1), box);
    }

    private FaceLandmarks Predict(MatIntensitySource image, FaceBox box)
    {
        if (box.IsEmpty)
            throw new ArgumentException($"The face box {box} is empty (right < left or bottom < top).", nameof(box));
        var model = Model;
        var shapeLength = model.InitialShape.Length;
        var shape = new float[shapeLength];
        model.InitialShape.CopyTo(shape, 0);

        var maxFeatures = 0;
        foreach (var cascade in model.Cascades)
            maxFeatures = Math.Max(maxFeatures, cascade.FeatureCount);
        Span<int> features = maxFeatures <= 2048 ? stackalloc int[maxFeatures] : new int[maxFeatures];

        // dlib's unnormalizing_tform(box): the unit square onto the box corners, so the scale is right - left
        // (width - 1), not the width.
        double left = box.Left, top = box.Top;
        double scaleX = box.Right - box.Left, scaleY = box.Bottom - box.Top;

        foreach (var cascade in model.Cascades)
        {
            var (a00, a01, a10, a11) = SimilarityLinearPart(model.InitialShape, shape);
            var featureSlice = features[..cascade.FeatureCount];
            SampleFeaturePixels(image, cascade, shape, a00, a01, a10, a11, left, top, scaleX, scaleY, featureSlice);
            AddTreeOutputs(cascade, featureSlice, shape);
        }

        var points = new Point2d[shapeLength / 2];
        var parts = new Point[shapeLength / 2];
        for (var i = 0; i < points.Length; i++)
        {
            var x = left + shape[2 * i] * scaleX;
            var y = top + shape[2 * i + 1] * scaleY;
            points[i] = new Point2d(x, y);
            parts[i] = new Point(RoundHalfUp(x), RoundHalfUp(y));
        }
        return new FaceLandmarks(box, points, parts, shape);
    }

    private static void SampleFeaturePixels(MatIntensitySource image, RegressionCascade cascade, float[] shape,
        float a00, float a01, float a10, float a11, double left, double top, double scaleX, double scaleY, Span<int> features)
    {
        var anchors = cascade.AnchorIndex;
        var deltaX = cascade.DeltaX;
        var deltaY = cascade.DeltaY;
        var width = image.Width;
        var height = image.Height;
        for (var i = 0; i < features.Length; i++)
        {
            var anchor = anchors[i];
            // float32 arithmetic in dlib's order: (A * delta) + anchor point.
            var u = a00 * deltaX[i] + a01 * deltaY[i] + shape[2 * anchor];
            var v = a10 * deltaX[i] + a11 * deltaY[i] + shape[2 * anchor + 1];
            var px = RoundHalfUp(left + u * scaleX);
            var py = RoundHalfUp(top + v * scaleY);
            features[i] = (uint)px < (uint)width && (uint)py < (uint)height ? image.Intensity(px, py) : 0;
        }
    }

    private static void AddTreeOutputs(RegressionCascade cascade, ReadOnlySpan<int> features, float[] shape)
    {
        var splitStart = cascade.SplitStart;
        var leafStart = cascade.LeafStart;
        var pixel1 = cascade.SplitPixel1;
        var pixel2 = cascade.SplitPixel2;
        var threshold = cascade.SplitThreshold;
        var leaves = cascade.LeafValues;
        var length = shape.Length;
        for (var t = 0; t < cascade.TreeCount; t++)
        {
            var first = splitStart[t];
            var splitCount = splitStart[t + 1] - first;
            var node = 0;
            while (node < splitCount)
            {
                var s = first + node;
                // Grey levels are integers in [0, 255], so the float difference dlib computes is exact here.
                node = features[pixel1[s]] - features[pixel2[s]] > threshold[s] ? 2 * node + 1 : 2 * node + 2;
            }
            var leaf = leafStart[t] + node - splitCount;
            AddInPlace(shape, leaves.AsSpan(leaf * length, length));
        }
    }

    /// <summary>shape += increment, element-wise float32 (the order across trees is what must match dlib).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddInPlace(float[] shape, ReadOnlySpan<float> increment)
    {
        var target = shape.AsSpan();
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var targetVectors = MemoryMarshal.Cast<float, Vector<float>>(target);
            var sourceVectors = MemoryMarshal.Cast<float, Vector<float>>(increment);
            for (var k = 0; k < targetVectors.Length; k++)
                targetVectors[k] += sourceVectors[k];
            i = targetVectors.Length * Vector<float>.Count;
        }
        for (; i < target.Length; i++)
            target[i] += increment[i];
    }

    /// <summary>
    /// The 2x2 part of the least-squares similarity from the mean shape to the current shape (dlib's
    /// <c>find_similarity_transform</c>, Umeyama), computed in double and then cast to float as dlib does. For 2-D
    /// points the Umeyama solution (no reflection) has the closed form s R = [[p, -q], [q, p]] with
    /// p = sum(a.b) / sum|a|^2 and q = sum(a x b) / sum|a|^2 over the centred points a (from) and b (to).
    /// </summary>
    internal static (float A00, float A01, float A10, float A11) SimilarityLinearPart(float[] from, float[] to)
    {
        var n = from.Length / 2;
        if (n < 2)
            return (1, 0, 0, 1);
        double meanFromX = 0, meanFromY = 0, meanToX = 0, meanToY = 0;
        for (var i = 0; i < n; i++)
        {
            meanFromX += from[2 * i];
            meanFromY += from[2 * i + 1];
            meanToX += to[2 * i];
            meanToY += to[2 * i + 1];
        }
        meanFromX /= n;
        meanFromY /= n;
        meanToX /= n;
        meanToY /= n;
        double sumSquares = 0, dot = 0, cross = 0;
        for (var i = 0; i < n; i++)
        {
            var ax = from[2 * i] - meanFromX;
            var ay = from[2 * i + 1] - meanFromY;
            var bx = to[2 * i] - meanToX;
            var by = to[2 * i + 1] - meanToY;
            sumSquares += ax * ax + ay * ay;
            dot += ax * bx + ay * by;
            cross += ax * by - ay * bx;
        }
        if (sumSquares == 0)
            return (1, 0, 0, 1);
        var p = dot / sumSquares;
        var q = cross / sumSquares;
        return ((float)p, (float)-q, (float)q, (float)p);
    }

    /// <summary>dlib's conversion of a real point to an integer pixel: floor(v + 0.5).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int RoundHalfUp(double value) => (int)Math.Floor(value + 0.5);
}

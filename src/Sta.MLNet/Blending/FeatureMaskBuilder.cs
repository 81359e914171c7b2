using System.Numerics;

namespace Sta.MLNet;

/// <summary>
/// Builds the four soft feature masks of Video-level Blending (docs/design.md, "Video-level Blending", step 1) from one frame's 68 landmarks: distance from every pixel
/// centre (x = column, y = row) to the nearest polyline segment (projection clamped to the segment),
/// m = 1 - clip((dist - thickness) / fall, 0, 1), the nose through a polynomial smooth minimum of its two chains,
/// then the overlap resolution eyes *= 1 - mouth; nose *= 1 - eyes; mouth *= 1 - nose; brows *= (1 - nose)(1 - eyes).
/// </summary>
/// <remarks>
/// All arithmetic is float32 in the reference's operation order, so the masks agree with the reference to float
/// rounding. Work is SIMD across a row and limited to each feature's bounding box grown by the distance at which its
/// mask reaches exactly 0; outside it the mask is 0 by construction (clip saturates at 1). Not thread-safe: it owns
/// scratch buffers that every call reuses.
/// </remarks>
internal sealed class FeatureMaskBuilder
{
    private const int FloatsPerSegment = 5; // ax, ay, bx - ax, by - ay, |b - a|^2 (1 when degenerate)
    private static readonly int Lanes = Vector<float>.Count;

    private readonly VideoBlendOptions _options;
    private readonly float[] _columnCoordinates;
    private readonly float[] _rowA;
    private readonly float[] _rowB;
    private float[] _segmentsA = new float[64 * FloatsPerSegment];
    private float[] _segmentsB = new float[64 * FloatsPerSegment];

    /// <summary>A builder for frames of <paramref name="height"/> x <paramref name="width"/> pixels.</summary>
    public FeatureMaskBuilder(int height, int width, VideoBlendOptions? options = null)
    {
        if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), $"Frame size must be positive; got {height}x{width}.");
        _options = options ?? new VideoBlendOptions();
        _options.Validate();
        Height = height;
        Width = width;
        var padded = width + Lanes;
        _columnCoordinates = new float[padded];
        for (var x = 0; x < padded; x++) _columnCoordinates[x] = x;
        _rowA = new float[padded];
        _rowB = new float[padded];
    }

    public int Height { get; }

    public int Width { get; }

    /// <summary>
    /// Writes the masks of one frame into <paramref name="masks"/>. <paramref name="landmarks"/> holds 68 (x, y) pairs
    /// (136 floats, pixel coordinates with the origin at the centre of the top-left pixel); they must be finite.
    /// </summary>
    public void Build(ReadOnlySpan<float> landmarks, FeatureMasks masks)
    {
        ArgumentNullException.ThrowIfNull(masks);
        if (masks.Height != Height || masks.Width != Width)
            throw new ArgumentException($"Masks are {masks.Height}x{masks.Width}, the builder is {Height}x{Width}.", nameof(masks));
        if (landmarks.Length < 2 * VideoBlendOptions.LandmarkCount)
            throw new ArgumentException($"Expected {2 * VideoBlendOptions.LandmarkCount} landmark coordinates; got {landmarks.Length}.", nameof(landmarks));

        BuildBand(FaceRegion.Eyes, _options.EyesPolylines, landmarks, masks);
        BuildBand(FaceRegion.Brows, _options.BrowsPolylines, landmarks, masks);
        BuildBand(FaceRegion.Mouth, _options.MouthPolylines, landmarks, masks);
        BuildNose(landmarks, masks);
        ResolveOverlaps(masks);
    }

    private void BuildBand(FaceRegion region, IReadOnlyList<LandmarkPolyline> polylines, ReadOnlySpan<float> landmarks, FeatureMasks masks)
    {
        var thickness = _options.Thickness(region);
        var fall = _options.Fall(region);
        var segmentCount = CollectSegments(polylines, landmarks, ref _segmentsA);
        var bounds = GrownBounds(polylines, landmarks, thickness + fall);
        var mask = Prepare(region, masks, bounds);
        var vThickness = new Vector<float>(thickness);
        var vFall = new Vector<float>(fall);
        for (var y = bounds.Top; y < bounds.Bottom; y++)
        {
            NearestDistances(_segmentsA, segmentCount, y, bounds.Left, bounds.Right, _rowA);
            for (var i = 0; i < bounds.Width; i += Lanes)
            {
                var distance = new Vector<float>(_rowA, i);
                FallOff((distance - vThickness) / vFall).CopyTo(_rowA, i);
            }
            _rowA.AsSpan(0, bounds.Width).CopyTo(mask.AsSpan(y * Width + bounds.Left, bounds.Width));
        }
    }

    private void BuildNose(ReadOnlySpan<float> landmarks, FeatureMasks masks)
    {
        var upper = _options.NoseUpperPolyline;
        var lower = _options.NoseLowerPolyline;
        var upperCount = CollectSegments([upper], landmarks, ref _segmentsA);
        var lowerCount = CollectSegments([lower], landmarks, ref _segmentsB);
        var k = _options.NoseSmoothMinK;
        // The smooth minimum lies at most k/4 below the plain minimum, so beyond thickness + fall + k/4 the mask is 0.
        var bounds = GrownBounds([upper, lower], landmarks, _options.NoseThickness + _options.NoseFall + k / 4f);
        var mask = Prepare(FaceRegion.Nose, masks, bounds);
        var vThickness = new Vector<float>(_options.NoseThickness);
        var vFall = new Vector<float>(_options.NoseFall);
        var vK = new Vector<float>(k);
        var half = new Vector<float>(0.5f);
        for (var y = bounds.Top; y < bounds.Bottom; y++)
        {
            NearestDistances(_segmentsA, upperCount, y, bounds.Left, bounds.Right, _rowA);
            NearestDistances(_segmentsB, lowerCount, y, bounds.Left, bounds.Right, _rowB);
            for (var i = 0; i < bounds.Width; i += Lanes)
            {
                var a = new Vector<float>(_rowA, i) - vThickness;
                var b = new Vector<float>(_rowB, i) - vThickness;
                var s = Clamp01(half + half * (b - a) / vK);
                var d = (a - b) * s + b - vK * s * (Vector<float>.One - s);
                FallOff(d / vFall).CopyTo(_rowA, i);
            }
            _rowA.AsSpan(0, bounds.Width).CopyTo(mask.AsSpan(y * Width + bounds.Left, bounds.Width));
        }
    }

    private static void ResolveOverlaps(FeatureMasks masks)
    {
        var eyes = masks.Writable(FaceRegion.Eyes);
        var nose = masks.Writable(FaceRegion.Nose);
        var mouth = masks.Writable(FaceRegion.Mouth);
        var brows = masks.Writable(FaceRegion.Brows);
        // Only where two masks can both be non-zero does a product change anything.
        MultiplyByComplement(eyes, mouth, masks, masks.Bounds(FaceRegion.Eyes), masks.Bounds(FaceRegion.Mouth));
        MultiplyByComplement(nose, eyes, masks, masks.Bounds(FaceRegion.Nose), masks.Bounds(FaceRegion.Eyes));
        MultiplyByComplement(mouth, nose, masks, masks.Bounds(FaceRegion.Mouth), masks.Bounds(FaceRegion.Nose));
        MultiplyByComplement(brows, nose, masks, masks.Bounds(FaceRegion.Brows), masks.Bounds(FaceRegion.Nose));
        MultiplyByComplement(brows, eyes, masks, masks.Bounds(FaceRegion.Brows), masks.Bounds(FaceRegion.Eyes));
    }

    /// <summary>target *= 1 - other on the intersection of both rectangles.</summary>
    private static void MultiplyByComplement(float[] target, float[] other, FeatureMasks masks, PixelBounds targetBounds, PixelBounds otherBounds)
    {
        var left = Math.Max(targetBounds.Left, otherBounds.Left);
        var right = Math.Min(targetBounds.Right, otherBounds.Right);
        var top = Math.Max(targetBounds.Top, otherBounds.Top);
        var bottom = Math.Min(targetBounds.Bottom, otherBounds.Bottom);
        if (left >= right || top >= bottom) return;
        var width = right - left;
        for (var y = top; y < bottom; y++)
        {
            var t = target.AsSpan(y * masks.Width + left, width);
            var o = other.AsSpan(y * masks.Width + left, width);
            var i = 0;
            for (; i <= width - Lanes; i += Lanes)
                (new Vector<float>(t.Slice(i)) * (Vector<float>.One - new Vector<float>(o.Slice(i)))).CopyTo(t.Slice(i));
            for (; i < width; i++) t[i] *= 1f - o[i];
        }
    }

    /// <summary>Clears the region's previous footprint and records its new one.</summary>
    private float[] Prepare(FaceRegion region, FeatureMasks masks, PixelBounds bounds)
    {
        var mask = masks.Writable(region);
        var previous = masks.Bounds(region);
        for (var y = previous.Top; y < previous.Bottom; y++) mask.AsSpan(y * Width + previous.Left, previous.Width).Clear();
        masks.SetBounds(region, bounds);
        return mask;
    }

    /// <summary>Minimum over segments of the point-to-segment distance for pixel centres x in [left, right) of row y,
    /// written to destination[0 ..]; computed in whole vectors, so up to one vector beyond right is scratch.</summary>
    private void NearestDistances(float[] segments, int segmentCount, int y, int left, int right, float[] destination)
    {
        var py = new Vector<float>((float)y);
        var zero = Vector<float>.Zero;
        var one = Vector<float>.One;
        for (var x = left; x < right; x += Lanes)
        {
            var px = new Vector<float>(_columnCoordinates, x);
            var best = new Vector<float>(float.PositiveInfinity);
            for (var s = 0; s < segmentCount; s++)
            {
                var o = s * FloatsPerSegment;
                var bax = new Vector<float>(segments[o + 2]);
                var bay = new Vector<float>(segments[o + 3]);
                var pax = px - new Vector<float>(segments[o]);
                var pay = py - new Vector<float>(segments[o + 1]);
                var h = Vector.Min(Vector.Max((pax * bax + pay * bay) / new Vector<float>(segments[o + 4]), zero), one);
                var dx = pax - bax * h;
                var dy = pay - bay * h;
                best = Vector.Min(best, Vector.SquareRoot(dx * dx + dy * dy));
            }
            best.CopyTo(destination, x - left);
        }
    }

    private static int CollectSegments(IReadOnlyList<LandmarkPolyline> polylines, ReadOnlySpan<float> landmarks, ref float[] segments)
    {
        var count = 0;
        foreach (var polyline in polylines) count += polyline.SegmentCount;
        if (segments.Length < count * FloatsPerSegment) segments = new float[count * FloatsPerSegment];
        var o = 0;
        foreach (var polyline in polylines)
        {
            var indices = polyline.Indices;
            for (var s = 0; s < polyline.SegmentCount; s++)
            {
                var a = indices[s];
                var b = indices[(s + 1) % indices.Count];
                float ax = landmarks[2 * a], ay = landmarks[2 * a + 1];
                float bax = landmarks[2 * b] - ax, bay = landmarks[2 * b + 1] - ay;
                var length2 = bax * bax + bay * bay;
                segments[o] = ax;
                segments[o + 1] = ay;
                segments[o + 2] = bax;
                segments[o + 3] = bay;
                segments[o + 4] = length2 == 0f ? 1f : length2;
                o += FloatsPerSegment;
            }
        }
        return count;
    }

    /// <summary>Bounding box of the polylines' points grown by <paramref name="reach"/> (+1 px of slack for
    /// rounding), clipped to the frame.</summary>
    private PixelBounds GrownBounds(IReadOnlyList<LandmarkPolyline> polylines, ReadOnlySpan<float> landmarks, float reach)
    {
        float minX = float.PositiveInfinity, minY = float.PositiveInfinity, maxX = float.NegativeInfinity, maxY = float.NegativeInfinity;
        foreach (var polyline in polylines)
        {
            foreach (var i in polyline.Indices)
            {
                minX = MathF.Min(minX, landmarks[2 * i]);
                maxX = MathF.Max(maxX, landmarks[2 * i]);
                minY = MathF.Min(minY, landmarks[2 * i + 1]);
                maxY = MathF.Max(maxY, landmarks[2 * i + 1]);
            }
        }
        var margin = MathF.Ceiling(reach) + 1f;
        var left = (int)Math.Clamp(MathF.Floor(minX - margin), 0f, Width);
        var right = (int)Math.Clamp(MathF.Ceiling(maxX + margin) + 1f, 0f, Width);
        var top = (int)Math.Clamp(MathF.Floor(minY - margin), 0f, Height);
        var bottom = (int)Math.Clamp(MathF.Ceiling(maxY + margin) + 1f, 0f, Height);
        return left < right && top < bottom ? new PixelBounds(left, top, right, bottom) : PixelBounds.Empty;
    }

    private static Vector<float> Clamp01(Vector<float> v) => Vector.Min(Vector.Max(v, Vector<float>.Zero), Vector<float>.One);

    private static Vector<float> FallOff(Vector<float> normalisedDistance) => Vector<float>.One - Clamp01(normalisedDistance);
}

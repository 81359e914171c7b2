using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>
/// Video-level Blending (docs/design.md, "Video-level Blending", with the choices of "Video-level Blending choices": RGB, numeric frame order): every frame of a real clip is
/// blended with four copies of itself, each warped by a small random similarity transform of one facial feature
/// (eyes, nose, mouth, brows) and pasted through that feature's soft mask with weight 0.25. Independent draws per
/// frame and region make the features drift from frame to frame (facial feature drift); the result is a fake sample.
/// </summary>
/// <remarks>
/// Per frame: masks (<see cref="FeatureMaskBuilder"/>), centre and per-region transforms (<see cref="RegionWarp"/>),
/// four OpenCV bilinear warps with a constant-0 border, then V = ((B_eyes w + B_nose w) + B_mouth w) + B_brows w
/// + (1 - 4w) F with B_r = m_r W_r + (1 - m_r) F, all float32, truncated to uint8. Pixels outside every mask are
/// copied unchanged (the formula gives F exactly there). An instance owns its buffers and reuses them for every frame:
/// it is not thread-safe; use one per thread (or <see cref="VideoBlending"/>, which keeps one per thread).
/// A training-data transform only: never part of a saved inference model.
/// </remarks>
internal sealed class VideoBlender : IDisposable
{
    private readonly Mat _source = new();
    private readonly Mat[] _warped = [new(), new(), new(), new()];
    private readonly Mat _matrix = new(2, 3, MatType.CV_64FC1);
    private FeatureMaskBuilder? _maskBuilder;
    private FeatureMasks? _masks;
    private bool _disposed;

    /// <param name="draws">Where each frame's random values come from (e.g. <see cref="SeededVbDrawSource"/>).</param>
    /// <param name="options">Blending constants; defaults to <see cref="VideoBlendOptions"/> defaults (224 px faces).</param>
    public VideoBlender(IVbDrawSource draws, VideoBlendOptions? options = null)
    {
        Draws = draws ?? throw new ArgumentNullException(nameof(draws));
        Options = options ?? new VideoBlendOptions();
        Options.Validate();
    }

    /// <summary>A blender drawing from <see cref="SeededVbDrawSource"/> with <paramref name="seed"/>.</summary>
    public VideoBlender(ulong seed, VideoBlendOptions? options = null)
        : this(new SeededVbDrawSource(seed, options), options)
    {
    }

    public IVbDrawSource Draws { get; }

    public VideoBlendOptions Options { get; }

    /// <summary>
    /// Blends a clip. <paramref name="frames"/> is [T, H, W, 3] RGB uint8; <paramref name="landmarks"/> is
    /// [T, <paramref name="pointsPerFrame"/>, 2] float (x, y) pixel coordinates of which the first 68 points per frame
    /// are used (68- and 81-point layouts both work). The VB clip is written to <paramref name="destination"/>
    /// ([T, H, W, 3]; it may be the input memory itself, since each output value depends only on the input value at
    /// the same position and on warps of a private copy of the frame). When <paramref name="masksDestination"/> is not empty it receives
    /// the masks as [T, 4, H, W] float in <see cref="FaceRegion"/> order.
    /// </summary>
    /// <param name="frames">[T, H, W, 3] RGB uint8.</param>
    /// <param name="frameCount">T.</param>
    /// <param name="height">H, pixels.</param>
    /// <param name="width">W, pixels.</param>
    /// <param name="landmarks">[T, pointsPerFrame, 2] float (x, y).</param>
    /// <param name="pointsPerFrame">Points per frame, at least 68 (68 or 81).</param>
    /// <param name="clipKey">Identifies the clip to the draw source: the same key gives the same draws.</param>
    /// <param name="destination">Receives the VB clip, [T, H, W, 3].</param>
    /// <param name="masksDestination">Empty, or [T, 4, H, W] floats for the masks.</param>
    /// <exception cref="InvalidLandmarksException">Landmarks missing, of the wrong length, or not finite.</exception>
    public void BlendClip(ReadOnlySpan<byte> frames, int frameCount, int height, int width, ReadOnlySpan<float> landmarks,
        int pointsPerFrame, long clipKey, Span<byte> destination, Span<float> masksDestination = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var frameLength = RgbClip.CheckLayout(frames.Length, destination.Length, frameCount, height, width);
        var maskPlane = FaceRegions.Count * height * width;
        if (!masksDestination.IsEmpty && masksDestination.Length != frameCount * maskPlane)
            throw new ArgumentException($"Mask destination needs {frameCount * maskPlane} floats ([T, 4, H, W]); got {masksDestination.Length}.", nameof(masksDestination));
        ValidateLandmarks(landmarks, frameCount, pointsPerFrame, Options);

        var landmarkStride = pointsPerFrame * 2;
        for (var t = 0; t < frameCount; t++)
        {
            var draw = Draws.Draw(clipKey, t);
            BlendFrameCore(frames.Slice(t * frameLength, frameLength), height, width,
                landmarks.Slice(t * landmarkStride, 2 * VideoBlendOptions.LandmarkCount), draw,
                destination.Slice(t * frameLength, frameLength), trace: null);
            if (!masksDestination.IsEmpty) _masks!.CopyTo(masksDestination.Slice(t * maskPlane, maskPlane));
        }
    }

    /// <summary>Blends <paramref name="clip"/> into a new clip; see the span overload.</summary>
    /// <param name="clip">The real clip.</param>
    /// <param name="landmarks">[T, points, 2] with points = landmarks.Length / (2 T) (68 or 81).</param>
    /// <param name="clipKey">Identifies the clip to the draw source.</param>
    /// <param name="masks">Null, or [T, 4, H, W] floats that receive the masks.</param>
    public RgbClip BlendClip(RgbClip clip, float[] landmarks, long clipKey, float[]? masks = null)
    {
        ArgumentNullException.ThrowIfNull(clip);
        if (landmarks is null) throw new InvalidLandmarksException("The clip has no landmarks; Video-level Blending needs 68 points per frame.");
        var perFrame = landmarks.Length / clip.FrameCount;
        if (landmarks.Length % (2 * clip.FrameCount) != 0)
            throw new InvalidLandmarksException($"{landmarks.Length} landmark values do not divide into {clip.FrameCount} frames of (x, y) points.");
        var output = RgbClip.Zeros(clip.FrameCount, clip.Height, clip.Width);
        BlendClip(clip.Pixels, clip.FrameCount, clip.Height, clip.Width, landmarks, perFrame / 2, clipKey, output.Pixels, masks);
        return output;
    }

    /// <summary>
    /// Blends one frame ([H, W, 3] RGB) with explicit draws; 68 (x, y) landmarks. <paramref name="trace"/>, when given,
    /// receives every intermediate result.
    /// </summary>
    public void BlendFrame(ReadOnlySpan<byte> frame, int height, int width, ReadOnlySpan<float> landmarks, VbFrameDraw draw,
        Span<byte> destination, VbFrameTrace? trace = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var frameLength = checked(height * width * 3);
        if (height <= 0 || width <= 0 || frame.Length != frameLength)
            throw new ArgumentException($"A {height}x{width} RGB frame needs {frameLength} bytes; got {frame.Length}.", nameof(frame));
        if (destination.Length != frameLength)
            throw new ArgumentException($"Destination needs {frameLength} bytes; got {destination.Length}.", nameof(destination));
        if (trace is not null && (trace.Height != height || trace.Width != width))
            throw new ArgumentException($"Trace is {trace.Height}x{trace.Width}, the frame {height}x{width}.", nameof(trace));
        ValidateLandmarks(landmarks, 1, VideoBlendOptions.LandmarkCount, Options);
        BlendFrameCore(frame, height, width, landmarks, draw, destination, trace);
    }

    /// <summary>The masks of the frame blended last (overwritten by the next frame).</summary>
    public FeatureMasks? LastMasks => _masks;

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _source.Dispose();
        foreach (var mat in _warped) mat.Dispose();
        _matrix.Dispose();
    }

    /// <summary>Throws <see cref="InvalidLandmarksException"/> unless every frame has finite first-68 points whose
    /// three affine anchors (<see cref="VideoBlendOptions.AffineAnchorLandmarks"/>) span a triangle (all-zero or
    /// collapsed landmarks, a common "no face" placeholder, would make the warp singular).</summary>
    public static void ValidateLandmarks(ReadOnlySpan<float> landmarks, int frameCount, int pointsPerFrame, VideoBlendOptions? options = null)
    {
        options ??= new VideoBlendOptions();
        if (pointsPerFrame < VideoBlendOptions.LandmarkCount)
            throw new InvalidLandmarksException($"Video-level Blending needs the 68 iBUG landmarks per frame; got {pointsPerFrame} points per frame.");
        if (landmarks.IsEmpty)
            throw new InvalidLandmarksException("The clip has no landmarks; Video-level Blending needs 68 points per frame.");
        var expected = (long)frameCount * pointsPerFrame * 2;
        if (landmarks.Length != expected)
            throw new InvalidLandmarksException(
                $"Expected {expected} landmark values ({frameCount} frames x {pointsPerFrame} points x 2); got {landmarks.Length}.");
        for (var t = 0; t < frameCount; t++)
        {
            var frame = landmarks.Slice(t * pointsPerFrame * 2, VideoBlendOptions.LandmarkCount * 2);
            for (var i = 0; i < frame.Length; i++)
            {
                if (!float.IsFinite(frame[i]))
                    throw new InvalidLandmarksException(
                        $"Frame {t} has no usable landmarks (point {i / 2} is {frame[i]}).", t);
            }
            int a = options.AffineAnchorLandmarks[0], b = options.AffineAnchorLandmarks[1], c = options.AffineAnchorLandmarks[2];
            var doubleArea = (frame[2 * b] - frame[2 * a]) * (frame[2 * c + 1] - frame[2 * a + 1])
                - (frame[2 * c] - frame[2 * a]) * (frame[2 * b + 1] - frame[2 * a + 1]);
            if (Math.Abs(doubleArea) < 2f)
                throw new InvalidLandmarksException(
                    $"Frame {t} has degenerate landmarks: anchors {a}, {b}, {c} are (nearly) collinear or coincide.", t);
        }
    }

    private unsafe void BlendFrameCore(ReadOnlySpan<byte> frame, int height, int width, ReadOnlySpan<float> landmarks,
        VbFrameDraw draw, Span<byte> destination, VbFrameTrace? trace)
    {
        EnsureSize(height, width);
        var masks = _masks!;
        _maskBuilder!.Build(landmarks, masks);

        frame.CopyTo(new Span<byte>((void*)_source.Data, frame.Length));
        var center = RegionWarp.Center(landmarks, Options);
        var size = new Size(width, height);
        foreach (var region in FaceRegions.InBlendOrder)
        {
            var warp = RegionWarp.Compute(landmarks, center, draw[region], Options);
            trace?.SetWarp(region, warp);
            // The blend reads a region's warp only where its mask is non-zero; with WarpMaskedRowsOnly only those rows
            // are warped (the band's matrix is M shifted by -top rows). A trace always holds whole frames.
            var band = trace is null && Options.WarpMaskedRowsOnly ? masks.Bounds(region) : new PixelBounds(0, 0, width, height);
            if (band.IsEmpty) continue;
            var m = (double*)_matrix.Data;
            m[0] = warp.Warp.M00; m[1] = warp.Warp.M01; m[2] = warp.Warp.M02;
            m[3] = warp.Warp.M10; m[4] = warp.Warp.M11; m[5] = warp.Warp.M12 - band.Top;
            if (band.Top == 0 && band.Bottom == height)
            {
                Cv2.WarpAffine(_source, _warped[(int)region], _matrix, size, InterpolationFlags.Linear, BorderTypes.Constant, Scalar.All(0));
            }
            else
            {
                using var rows = _warped[(int)region].RowRange(band.Top, band.Bottom);
                Cv2.WarpAffine(_source, rows, _matrix, new Size(width, band.Height), InterpolationFlags.Linear, BorderTypes.Constant, Scalar.All(0));
            }
        }

        frame.CopyTo(destination);
        var bounds = trace is null ? masks.UnionBounds : new PixelBounds(0, 0, width, height);
        Blend(frame, width, bounds, destination, trace?.BlendedFloat);

        if (trace is not null)
        {
            trace.Draw = draw;
            trace.Center = center;
            masks.CopyTo(trace.Masks);
            foreach (var region in FaceRegions.InBlendOrder)
                new ReadOnlySpan<byte>((void*)_warped[(int)region].Data, frame.Length).CopyTo(trace.WarpedBuffer(region));
        }
    }

    /// <summary>Writes the blend of the pixels in <paramref name="bounds"/>; <paramref name="blendedFloat"/>, when
    /// given, receives the pre-truncation values of the same pixels.</summary>
    private unsafe void Blend(ReadOnlySpan<byte> frame, int width, PixelBounds bounds, Span<byte> destination, float[]? blendedFloat)
    {
        var masks = _masks!;
        var eyes = masks[FaceRegion.Eyes];
        var nose = masks[FaceRegion.Nose];
        var mouth = masks[FaceRegion.Mouth];
        var brows = masks[FaceRegion.Brows];
        var wEyes = (byte*)_warped[(int)FaceRegion.Eyes].Data;
        var wNose = (byte*)_warped[(int)FaceRegion.Nose].Data;
        var wMouth = (byte*)_warped[(int)FaceRegion.Mouth].Data;
        var wBrows = (byte*)_warped[(int)FaceRegion.Brows].Data;
        var weight = Options.RegionWeight;
        var rest = 1f - 4f * weight;
        for (var y = bounds.Top; y < bounds.Bottom; y++)
        {
            for (var x = bounds.Left; x < bounds.Right; x++)
            {
                var p = y * width + x;
                float me = eyes[p], mn = nose[p], mm = mouth[p], mb = brows[p];
                if (blendedFloat is null && me == 0f && mn == 0f && mm == 0f && mb == 0f) continue;
                float ie = 1f - me, inn = 1f - mn, im = 1f - mm, ib = 1f - mb;
                var o = 3 * p;
                for (var c = o; c < o + 3; c++)
                {
                    float f = frame[c];
                    var be = me * wEyes[c] + ie * f;
                    var bn = mn * wNose[c] + inn * f;
                    var bm = mm * wMouth[c] + im * f;
                    var bb = mb * wBrows[c] + ib * f;
                    // Same association as the reference's chain of cv2.addWeighted calls; rest is 0 at the default weight.
                    var v = ((be * weight + bn * weight) + bm * weight) + bb * weight + rest * f;
                    if (blendedFloat is not null) blendedFloat[c] = v;
                    destination[c] = (byte)Math.Min(v, 255f);
                }
            }
        }
    }

    private void EnsureSize(int height, int width)
    {
        if (_maskBuilder is not null && _maskBuilder.Height == height && _maskBuilder.Width == width) return;
        _maskBuilder = new FeatureMaskBuilder(height, width, Options);
        _masks = new FeatureMasks(height, width);
        _source.Create(height, width, MatType.CV_8UC3);
        foreach (var mat in _warped) mat.Create(height, width, MatType.CV_8UC3);
    }
}

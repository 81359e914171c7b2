namespace Sta.MLNet;

/// <summary>
/// Every constant of Video-level Blending (docs/design.md, "Video-level Blending"), exposed as ablation knobs. The defaults reproduce the authors'
/// implementation for 224 x 224 faces with 68-point landmarks; <see cref="ForFaceSize"/> derives the size-dependent
/// mask constants for another face size with the upstream formulas.
/// </summary>
/// <remarks>
/// A feature mask is m = 1 - clip((dist - thickness) / fall, 0, 1), dist being the distance (pixels) from a pixel
/// centre to the nearest segment of the feature's polylines. The nose uses a polynomial smooth minimum of its two
/// polylines' thickness-reduced distances instead of a plain minimum.
/// </remarks>
public sealed record VideoBlendOptions
{
    /// <summary>Number of landmarks per frame the index sets refer to (68; extra points such as dlib-81's forehead
    /// points are ignored by the clip API).</summary>
    public const int LandmarkCount = 68;

    /// <summary>Eye band half-width in pixels. Default 3 = max(224 // 64, 1).</summary>
    public float EyesThickness { get; init; } = 3f;

    /// <summary>Eye fall-off distance in pixels. Default 7 = 224 // 32.</summary>
    public float EyesFall { get; init; } = 7f;

    /// <summary>Brow band half-width in pixels. Default 1 = max(224 // 256, 1).</summary>
    public float BrowsThickness { get; init; } = 1f;

    /// <summary>Brow fall-off distance in pixels. Default 7 = 224 // 32.</summary>
    public float BrowsFall { get; init; } = 7f;

    /// <summary>Mouth band half-width in pixels. Default 3 = max(224 // 64, 1).</summary>
    public float MouthThickness { get; init; } = 3f;

    /// <summary>Mouth fall-off distance in pixels. Default 7 = 224 // 32.</summary>
    public float MouthFall { get; init; } = 7f;

    /// <summary>Nose band half-width in pixels. Default 2 = max(224 // 96, 1).</summary>
    public float NoseThickness { get; init; } = 2f;

    /// <summary>Nose fall-off distance in pixels. Default 224 / 12 = 18.666666 (float, not integer division).</summary>
    public float NoseFall { get; init; } = 224f / 12f;

    /// <summary>Width k of the nose's polynomial smooth minimum, pixels. Default 6 = 3 x nose thickness.</summary>
    public float NoseSmoothMinK { get; init; } = 6f;

    /// <summary>Eye contours: closed loops 36..41 and 42..47.</summary>
    internal IReadOnlyList<LandmarkPolyline> EyesPolylines { get; init; } =
        [LandmarkPolyline.Range(36, 41, closed: true), LandmarkPolyline.Range(42, 47, closed: true)];

    /// <summary>Brows: open chains 17..21 and 22..26.</summary>
    internal IReadOnlyList<LandmarkPolyline> BrowsPolylines { get; init; } =
        [LandmarkPolyline.Range(17, 21, closed: false), LandmarkPolyline.Range(22, 26, closed: false)];

    /// <summary>Mouth: the outer lip as a closed loop 48..59.</summary>
    internal IReadOnlyList<LandmarkPolyline> MouthPolylines { get; init; } = [LandmarkPolyline.Range(48, 59, closed: true)];

    /// <summary>Nose bridge down to the tip: open chain 27, 28, 29, 30, 33.</summary>
    internal LandmarkPolyline NoseUpperPolyline { get; init; } = new([27, 28, 29, 30, 33], Closed: false);

    /// <summary>Nostril base: open chain 31..35.</summary>
    internal LandmarkPolyline NoseLowerPolyline { get; init; } = LandmarkPolyline.Range(31, 35, closed: false);

    /// <summary>Weight of each region's blended copy in the output frame. Default 0.25 (the average of four blends);
    /// the frame itself keeps 1 - 4 x weight, so a region's warped copy shows through with opacity at most
    /// this weight. Range (0, 0.25].</summary>
    public float RegionWeight { get; init; } = 0.25f;

    /// <summary>Per-frame maximum rotation R in degrees, drawn from this range. Default [1, 5]. Each region's angle
    /// is then drawn from U(-R, R).</summary>
    public UniformRange MaxAngleDegrees { get; init; } = new(1, 5);

    /// <summary>Per-frame maximum relative scale change S, drawn from this range. Default [0.01, 0.05]. Each region's
    /// scale is then drawn from U(1 - S, 1 + S).</summary>
    public UniformRange MaxScaleDelta { get; init; } = new(0.01, 0.05);

    /// <summary>Per-frame maximum shift D in pixels, drawn from this range. Default [0.5, 2.5]. Each region's x and y
    /// shifts are then drawn from U(-D, D).</summary>
    public UniformRange MaxShiftPixels { get; init; } = new(0.5, 2.5);

    /// <summary>First landmark that the similarity transform moves and that enters the rotation centre. Default 17
    /// (the jaw line 0..16 stays put).</summary>
    public int PerturbedFirstLandmark { get; init; } = 17;

    /// <summary>Last landmark (inclusive) that the similarity transform moves and that enters the rotation centre.
    /// Default 67.</summary>
    public int PerturbedLastLandmark { get; init; } = 67;

    /// <summary>The three landmarks whose perturbed and original positions define each region's affine warp.
    /// Default 30 (nose tip), 36 and 45 (outer eye corners).</summary>
    public IReadOnlyList<int> AffineAnchorLandmarks { get; init; } = [30, 36, 45];

    /// <summary>
    /// Speed knob: warp only the rows each region's mask covers instead of whole frames (about 4x less warp work).
    /// OpenCV's fixed-point sampling of the shifted band then rounds a source position differently in rare pixels
    /// (measured: 2 channel values off by 1 in one of 1,600 frames), so the output is no longer bit-identical to the
    /// reference's whole-frame warps; it stays deterministic. Default false (reference-exact).
    /// </summary>
    public bool WarpMaskedRowsOnly { get; init; }

    /// <summary>
    /// Options for square faces of side <paramref name="faceSize"/> with the upstream size formulas: eyes and mouth
    /// thickness max(w // 64, 1), brows max(w // 256, 1), nose max(w // 96, 1), falls w // 32 (nose w / 12),
    /// nose k = 3 x nose thickness. <c>ForFaceSize(224)</c> equals the defaults.
    /// </summary>
    public static VideoBlendOptions ForFaceSize(int faceSize)
    {
        if (faceSize < 32) throw new ArgumentOutOfRangeException(nameof(faceSize), faceSize, "Face size must be at least 32 pixels.");
        var fall = (float)(faceSize / 32);
        var noseThickness = (float)Math.Max(faceSize / 96, 1);
        return new VideoBlendOptions
        {
            EyesThickness = Math.Max(faceSize / 64, 1),
            EyesFall = fall,
            BrowsThickness = Math.Max(faceSize / 256, 1),
            BrowsFall = fall,
            MouthThickness = Math.Max(faceSize / 64, 1),
            MouthFall = fall,
            NoseThickness = noseThickness,
            NoseFall = faceSize / 12f,
            NoseSmoothMinK = 3 * noseThickness,
        };
    }

    /// <summary>The band half-width of <paramref name="region"/>.</summary>
    internal float Thickness(FaceRegion region) => region switch
    {
        FaceRegion.Eyes => EyesThickness,
        FaceRegion.Nose => NoseThickness,
        FaceRegion.Mouth => MouthThickness,
        FaceRegion.Brows => BrowsThickness,
        _ => throw new ArgumentOutOfRangeException(nameof(region)),
    };

    /// <summary>The fall-off distance of <paramref name="region"/>.</summary>
    internal float Fall(FaceRegion region) => region switch
    {
        FaceRegion.Eyes => EyesFall,
        FaceRegion.Nose => NoseFall,
        FaceRegion.Mouth => MouthFall,
        FaceRegion.Brows => BrowsFall,
        _ => throw new ArgumentOutOfRangeException(nameof(region)),
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent option.</summary>
    public void Validate()
    {
        foreach (var region in FaceRegions.InBlendOrder)
        {
            var thickness = Thickness(region);
            var fall = Fall(region);
            if (!float.IsFinite(thickness) || thickness < 0)
                throw new ArgumentException($"{FaceRegions.Name(region)} thickness must be finite and >= 0; got {thickness}.");
            if (!float.IsFinite(fall) || fall <= 0)
                throw new ArgumentException($"{FaceRegions.Name(region)} fall must be finite and > 0; got {fall}.");
        }
        if (!float.IsFinite(NoseSmoothMinK) || NoseSmoothMinK <= 0)
            throw new ArgumentException($"NoseSmoothMinK must be finite and > 0; got {NoseSmoothMinK}.");
        if (!(RegionWeight > 0 && RegionWeight <= 0.25f))
            throw new ArgumentException($"RegionWeight must be in (0, 0.25]; got {RegionWeight}.");
        MaxAngleDegrees.Validate(nameof(MaxAngleDegrees), 0);
        MaxScaleDelta.Validate(nameof(MaxScaleDelta), 0);
        if (MaxScaleDelta.High >= 1) throw new ArgumentException($"MaxScaleDelta must stay below 1; got {MaxScaleDelta.High}.");
        MaxShiftPixels.Validate(nameof(MaxShiftPixels), 0);
        CheckPolylines(nameof(EyesPolylines), EyesPolylines);
        CheckPolylines(nameof(BrowsPolylines), BrowsPolylines);
        CheckPolylines(nameof(MouthPolylines), MouthPolylines);
        CheckPolylines(nameof(NoseUpperPolyline), [NoseUpperPolyline]);
        CheckPolylines(nameof(NoseLowerPolyline), [NoseLowerPolyline]);
        if (PerturbedFirstLandmark < 0 || PerturbedLastLandmark >= LandmarkCount || PerturbedFirstLandmark > PerturbedLastLandmark)
            throw new ArgumentException(
                $"Perturbed landmark range must lie in 0..{LandmarkCount - 1}; got {PerturbedFirstLandmark}..{PerturbedLastLandmark}.");
        if (AffineAnchorLandmarks is not { Count: 3 } || AffineAnchorLandmarks.Any(i => i < 0 || i >= LandmarkCount)
            || AffineAnchorLandmarks.Distinct().Count() != 3)
            throw new ArgumentException("AffineAnchorLandmarks must be three distinct indices in 0..67.");
    }

    private static void CheckPolylines(string name, IReadOnlyList<LandmarkPolyline>? polylines)
    {
        if (polylines is null || polylines.Count == 0) throw new ArgumentException($"{name} must list at least one polyline.");
        foreach (var polyline in polylines)
        {
            if (polyline?.Indices is not { Count: >= 2 })
                throw new ArgumentException($"{name}: every polyline needs at least two landmark indices.");
            if (polyline.Indices.Any(i => i < 0 || i >= LandmarkCount))
                throw new ArgumentException($"{name}: landmark indices must lie in 0..{LandmarkCount - 1}.");
        }
    }
}

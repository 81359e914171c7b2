namespace Sta.MLNet;

/// <summary>
/// The clip-consistent training augmentation of DeepfakeBench (albumentations 1.1.0 pipeline; docs/design.md, "Augmentation"), applied
/// after blending to real and VB clips alike, with one parameter draw per clip shared by all its frames. Defaults
/// are DeepfakeBench's values; every probability and limit is a knob.
/// </summary>
internal sealed record ClipAugmentationOptions
{
    /// <summary>Probability of a horizontal flip. Default 0.5.</summary>
    public double HorizontalFlipProbability { get; init; } = 0.5;

    /// <summary>Probability of a rotation. Default 0.5.</summary>
    public double RotateProbability { get; init; } = 0.5;

    /// <summary>Rotation angle limit in degrees: angle ~ U(-limit, limit), bilinear, reflect-101 border. Default 10.</summary>
    public double RotateLimitDegrees { get; init; } = 10;

    /// <summary>Probability of a Gaussian blur. Default 0.5.</summary>
    public double BlurProbability { get; init; } = 0.5;

    /// <summary>Smallest blur kernel (odd). Default 3.</summary>
    public int BlurMinKernel { get; init; } = 3;

    /// <summary>Largest blur kernel (odd); the kernel is drawn uniformly from the odd sizes in between and sigma is
    /// derived from it by OpenCV (sigma 0). Default 7.</summary>
    public int BlurMaxKernel { get; init; } = 7;

    /// <summary>Probability of one colour transform, chosen uniformly among brightness/contrast, FancyPCA and
    /// hue/saturation/value. Default 0.5.</summary>
    public double ColorProbability { get; init; } = 0.5;

    /// <summary>Brightness limit b: offset ~ U(-b, b) times 255 is added. Default 0.1.</summary>
    public double BrightnessLimit { get; init; } = 0.1;

    /// <summary>Contrast limit c: pixel values are multiplied by 1 + U(-c, c). Default 0.1.</summary>
    public double ContrastLimit { get; init; } = 0.1;

    /// <summary>Standard deviation of FancyPCA's three eigen-direction weights. Default 0.1.</summary>
    public double FancyPcaAlphaStd { get; init; } = 0.1;

    /// <summary>Hue shift limit in OpenCV hue units (0..179). Default 20.</summary>
    public double HueShiftLimit { get; init; } = 20;

    /// <summary>Saturation shift limit (0..255 scale). Default 30.</summary>
    public double SaturationShiftLimit { get; init; } = 30;

    /// <summary>Value shift limit (0..255 scale). Default 20.</summary>
    public double ValueShiftLimit { get; init; } = 20;

    /// <summary>Probability of a JPEG round trip. Default 0.5.</summary>
    public double JpegProbability { get; init; } = 0.5;

    /// <summary>Lowest JPEG quality (inclusive). Default 40.</summary>
    public int JpegQualityMin { get; init; } = 40;

    /// <summary>Highest JPEG quality (inclusive). Default 100.</summary>
    public int JpegQualityMax { get; init; } = 100;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent option.</summary>
    public void Validate()
    {
        foreach (var (name, p) in new[]
                 {
                     (nameof(HorizontalFlipProbability), HorizontalFlipProbability), (nameof(RotateProbability), RotateProbability),
                     (nameof(BlurProbability), BlurProbability), (nameof(ColorProbability), ColorProbability),
                     (nameof(JpegProbability), JpegProbability),
                 })
        {
            if (!(p >= 0 && p <= 1)) throw new ArgumentException($"{name} must be a probability in [0, 1]; got {p}.");
        }
        foreach (var (name, v) in new[]
                 {
                     (nameof(RotateLimitDegrees), RotateLimitDegrees), (nameof(BrightnessLimit), BrightnessLimit),
                     (nameof(ContrastLimit), ContrastLimit), (nameof(FancyPcaAlphaStd), FancyPcaAlphaStd),
                     (nameof(HueShiftLimit), HueShiftLimit), (nameof(SaturationShiftLimit), SaturationShiftLimit),
                     (nameof(ValueShiftLimit), ValueShiftLimit),
                 })
        {
            if (!(v >= 0 && double.IsFinite(v))) throw new ArgumentException($"{name} must be finite and >= 0; got {v}.");
        }
        if (BlurMinKernel < 1 || BlurMinKernel % 2 == 0 || BlurMaxKernel % 2 == 0 || BlurMaxKernel < BlurMinKernel)
            throw new ArgumentException($"Blur kernels must be odd with 1 <= min <= max; got {BlurMinKernel}..{BlurMaxKernel}.");
        if (JpegQualityMin < 0 || JpegQualityMax > 100 || JpegQualityMin > JpegQualityMax)
            throw new ArgumentException($"JPEG quality must satisfy 0 <= min <= max <= 100; got {JpegQualityMin}..{JpegQualityMax}.");
    }
}

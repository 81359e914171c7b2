namespace Sta.MLNet;

/// <summary>
/// One clip's augmentation draw, applied identically to all its frames. Null / <see cref="ColorJitterKind.None"/>
/// means the step is skipped.
/// </summary>
/// <param name="Flip">Mirror left-right.</param>
/// <param name="RotationDegrees">Rotation about the image centre (positive = counter-clockwise), or null.</param>
/// <param name="BlurKernel">Odd Gaussian kernel size, or null.</param>
/// <param name="Color">The colour transform.</param>
/// <param name="ContrastFactor">Brightness/contrast: pixel multiplier (1 + U(-c, c)).</param>
/// <param name="BrightnessOffset">Brightness/contrast: offset as a fraction of 255.</param>
/// <param name="PcaAlpha">FancyPCA: weights of the three principal colour directions, largest eigenvalue first.</param>
/// <param name="HueShift">HSV: hue shift in OpenCV hue units (modulo 180).</param>
/// <param name="SaturationShift">HSV: saturation shift (clipped to 0..255).</param>
/// <param name="ValueShift">HSV: value shift (clipped to 0..255).</param>
/// <param name="JpegQuality">JPEG round-trip quality, or null.</param>
internal readonly record struct ClipAugmentationParameters(
    bool Flip,
    double? RotationDegrees,
    int? BlurKernel,
    ColorJitterKind Color,
    double ContrastFactor,
    double BrightnessOffset,
    (double First, double Second, double Third) PcaAlpha,
    double HueShift,
    double SaturationShift,
    double ValueShift,
    int? JpegQuality)
{
    /// <summary>No augmentation at all.</summary>
    public static ClipAugmentationParameters Identity => new(false, null, null, ColorJitterKind.None, 1, 0, default, 0, 0, 0, null);

    /// <summary>
    /// Draws one clip's parameters in pipeline order: flip, rotate, blur, one-of colour, JPEG. Each step first draws
    /// whether it applies, then its values.
    /// </summary>
    public static ClipAugmentationParameters Sample(ref StableRandom random, ClipAugmentationOptions options)
    {
        var flip = random.NextBool(options.HorizontalFlipProbability);
        double? rotation = random.NextBool(options.RotateProbability)
            ? new UniformRange(-options.RotateLimitDegrees, options.RotateLimitDegrees).At(random.NextDouble())
            : null;
        int? blur = random.NextBool(options.BlurProbability)
            ? options.BlurMinKernel + 2 * random.NextInt(0, (options.BlurMaxKernel - options.BlurMinKernel) / 2)
            : null;
        var color = ColorJitterKind.None;
        double contrast = 1, brightness = 0, hue = 0, saturation = 0, value = 0;
        (double, double, double) alpha = default;
        if (random.NextBool(options.ColorProbability))
        {
            color = (ColorJitterKind)random.NextInt(1, 3);
            switch (color)
            {
                case ColorJitterKind.BrightnessContrast:
                    contrast = 1 + new UniformRange(-options.ContrastLimit, options.ContrastLimit).At(random.NextDouble());
                    brightness = new UniformRange(-options.BrightnessLimit, options.BrightnessLimit).At(random.NextDouble());
                    break;
                case ColorJitterKind.FancyPca:
                    alpha = (random.NextGaussian() * options.FancyPcaAlphaStd, random.NextGaussian() * options.FancyPcaAlphaStd,
                        random.NextGaussian() * options.FancyPcaAlphaStd);
                    break;
                case ColorJitterKind.HueSaturationValue:
                    hue = new UniformRange(-options.HueShiftLimit, options.HueShiftLimit).At(random.NextDouble());
                    saturation = new UniformRange(-options.SaturationShiftLimit, options.SaturationShiftLimit).At(random.NextDouble());
                    value = new UniformRange(-options.ValueShiftLimit, options.ValueShiftLimit).At(random.NextDouble());
                    break;
            }
        }
        int? jpeg = random.NextBool(options.JpegProbability) ? random.NextInt(options.JpegQualityMin, options.JpegQualityMax) : null;
        return new ClipAugmentationParameters(flip, rotation, blur, color, contrast, brightness, alpha, hue, saturation, value, jpeg);
    }
}

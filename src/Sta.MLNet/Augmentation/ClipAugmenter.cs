using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>
/// Clip-consistent training augmentation (docs/design.md, "Augmentation"): one <see cref="ClipAugmentationParameters"/> draw per clip,
/// applied to every frame with OpenCV in the order horizontal flip, rotation (bilinear, reflect-101 border), Gaussian
/// blur, one colour transform (brightness/contrast, FancyPCA or HSV shift), JPEG round trip. A port cannot replay
/// albumentations' random stream; it reproduces the distribution, and the draw comes from a
/// <see cref="StableRandom"/> keyed by (seed, clip key) so a clip's augmentation is reproducible and independent of
/// thread scheduling.
/// </summary>
/// <remarks>
/// Choices where albumentations 1.1.0 is ambiguous or quirky: rotation is about the geometric image centre
/// ((W - 1) / 2, (H - 1) / 2); FancyPCA adds sum_i alpha_i lambda_i p_i (AlexNet's formula, eigen-decomposition of
/// each frame's RGB covariance on the 0..1 scale) and truncates; the JPEG round trip encodes true colours (RGB is
/// handed to the encoder as BGR). An instance reuses its OpenCV buffers: not thread-safe, one per thread.
/// Training only; never part of an inference model.
/// </remarks>
internal sealed class ClipAugmenter : IDisposable
{
    private const long Purpose = 0x4155; // "AU": keeps these streams apart from VB's for the same seed and key.
    private readonly ulong _seed;
    private Mat _a = new();
    private Mat _b = new();
    private readonly Mat _lut = new(1, 256, MatType.CV_8UC3);
    private readonly Mat _rotation = new(2, 3, MatType.CV_64FC1);
    private bool _disposed;

    /// <param name="seed">Master seed of the per-clip draws.</param>
    /// <param name="options">Probabilities and limits; defaults to the DeepfakeBench values.</param>
    public ClipAugmenter(ulong seed, ClipAugmentationOptions? options = null)
    {
        Options = options ?? new ClipAugmentationOptions();
        Options.Validate();
        _seed = seed;
    }

    public ClipAugmentationOptions Options { get; }

    /// <summary>The parameters the clip with <paramref name="clipKey"/> gets (a pure function of seed and key). Use
    /// different keys for a real clip and its VB twin to draw them separately.</summary>
    public ClipAugmentationParameters DrawParameters(long clipKey)
    {
        var random = new StableRandom(_seed, clipKey, 0, Purpose);
        return ClipAugmentationParameters.Sample(ref random, Options);
    }

    /// <summary>Augments a [T, H, W, 3] RGB uint8 clip with the parameters of <paramref name="clipKey"/>;
    /// <paramref name="destination"/> may be the same memory as <paramref name="frames"/>. Returns the parameters used.</summary>
    public ClipAugmentationParameters Augment(ReadOnlySpan<byte> frames, int frameCount, int height, int width, long clipKey, Span<byte> destination)
    {
        var parameters = DrawParameters(clipKey);
        Apply(parameters, frames, frameCount, height, width, destination);
        return parameters;
    }

    /// <summary>Augments <paramref name="clip"/> in place with the parameters of <paramref name="clipKey"/>.</summary>
    public ClipAugmentationParameters AugmentInPlace(RgbClip clip, long clipKey)
    {
        ArgumentNullException.ThrowIfNull(clip);
        return Augment(clip.Pixels, clip.FrameCount, clip.Height, clip.Width, clipKey, clip.Pixels);
    }

    /// <summary>Applies explicit <paramref name="parameters"/> to every frame (injection for tests and replays).</summary>
    public unsafe void Apply(ClipAugmentationParameters parameters, ReadOnlySpan<byte> frames, int frameCount, int height, int width, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var frameLength = RgbClip.CheckLayout(frames.Length, destination.Length, frameCount, height, width);
        if (parameters.BlurKernel is { } k && (k < 1 || k % 2 == 0))
            throw new ArgumentException($"Blur kernel must be odd and positive; got {k}.", nameof(parameters));

        var size = new Size(width, height);
        if (parameters.RotationDegrees is { } angle) SetRotation(angle, width, height);
        if (parameters.Color is ColorJitterKind.BrightnessContrast) FillBrightnessContrastLut(parameters.ContrastFactor, parameters.BrightnessOffset);
        if (parameters.Color is ColorJitterKind.HueSaturationValue) FillHsvLut(parameters.HueShift, parameters.SaturationShift, parameters.ValueShift);

        for (var t = 0; t < frameCount; t++)
        {
            _a.Create(height, width, MatType.CV_8UC3);
            frames.Slice(t * frameLength, frameLength).CopyTo(new Span<byte>((void*)_a.Data, frameLength));
            if (parameters.Flip) Step(m => Cv2.Flip(_a, m, FlipMode.Y));
            if (parameters.RotationDegrees is not null)
                Step(m => Cv2.WarpAffine(_a, m, _rotation, size, InterpolationFlags.Linear, BorderTypes.Reflect101));
            if (parameters.BlurKernel is { } kernel) Step(m => Cv2.GaussianBlur(_a, m, new Size(kernel, kernel), 0));
            switch (parameters.Color)
            {
                case ColorJitterKind.BrightnessContrast:
                    Step(m => Cv2.LUT(_a, _lut, m));
                    break;
                case ColorJitterKind.FancyPca:
                    FillFancyPcaLut(_a, parameters.PcaAlpha);
                    Step(m => Cv2.LUT(_a, _lut, m));
                    break;
                case ColorJitterKind.HueSaturationValue:
                    Cv2.CvtColor(_a, _b, ColorConversionCodes.RGB2HSV);
                    Cv2.LUT(_b, _lut, _a);
                    Step(m => Cv2.CvtColor(_a, m, ColorConversionCodes.HSV2RGB));
                    break;
            }
            if (parameters.JpegQuality is { } quality) JpegRoundTrip(quality);
            if (!_a.IsContinuous() || _a.Rows != height || _a.Cols != width || _a.Type() != MatType.CV_8UC3)
                throw new InvalidOperationException("Augmentation produced an unexpected frame layout.");
            new ReadOnlySpan<byte>((void*)_a.Data, frameLength).CopyTo(destination.Slice(t * frameLength, frameLength));
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _a.Dispose();
        _b.Dispose();
        _lut.Dispose();
        _rotation.Dispose();
    }

    /// <summary>Runs an OpenCV step from _a into _b and makes the result the current frame.</summary>
    private void Step(Action<Mat> intoB)
    {
        intoB(_b);
        (_a, _b) = (_b, _a);
    }

    private unsafe void SetRotation(double angleDegrees, int width, int height)
    {
        var r = AffineTransform2D.RotationAbout((width - 1) / 2.0, (height - 1) / 2.0, angleDegrees, 1.0);
        var m = (double*)_rotation.Data;
        m[0] = r.M00; m[1] = r.M01; m[2] = r.M02;
        m[3] = r.M10; m[4] = r.M11; m[5] = r.M12;
    }

    /// <summary>albumentations' uint8 brightness/contrast: v * contrast + offset * 255, clipped, truncated.</summary>
    private unsafe void FillBrightnessContrastLut(double contrast, double offset)
    {
        var lut = (byte*)_lut.Data;
        for (var v = 0; v < 256; v++)
        {
            var value = (byte)Math.Clamp(v * contrast + offset * 255, 0, 255);
            lut[3 * v] = lut[3 * v + 1] = lut[3 * v + 2] = value;
        }
    }

    /// <summary>albumentations' uint8 HSV shift: hue (v + shift) mod 180, saturation and value clipped to 0..255.</summary>
    private unsafe void FillHsvLut(double hue, double saturation, double value)
    {
        var lut = (byte*)_lut.Data;
        for (var v = 0; v < 256; v++)
        {
            var h = (v + hue) % 180;
            if (h < 0) h += 180;
            lut[3 * v] = (byte)h;
            lut[3 * v + 1] = (byte)Math.Clamp(v + saturation, 0, 255);
            lut[3 * v + 2] = (byte)Math.Clamp(v + value, 0, 255);
        }
    }

    /// <summary>FancyPCA: a per-channel offset along the frame's principal colour directions, as a LUT.</summary>
    private unsafe void FillFancyPcaLut(Mat frame, (double First, double Second, double Third) alpha)
    {
        var pixels = (byte*)frame.Data;
        var count = frame.Rows * frame.Cols;
        double sr = 0, sg = 0, sb = 0, rr = 0, rg = 0, rb = 0, gg = 0, gb = 0, bb = 0;
        for (var p = 0; p < count; p++)
        {
            double r = pixels[3 * p], g = pixels[3 * p + 1], b = pixels[3 * p + 2];
            sr += r; sg += g; sb += b;
            rr += r * r; rg += r * g; rb += r * b;
            gg += g * g; gb += g * b; bb += b * b;
        }
        // Covariance of the 0..1 values (n - 1 normalisation, as numpy.cov).
        var scale = 1.0 / (255.0 * 255.0 * Math.Max(count - 1, 1));
        using var covariance = new Mat(3, 3, MatType.CV_64FC1);
        var c = (double*)covariance.Data;
        c[0] = (rr - sr * sr / count) * scale;
        c[1] = c[3] = (rg - sr * sg / count) * scale;
        c[2] = c[6] = (rb - sr * sb / count) * scale;
        c[4] = (gg - sg * sg / count) * scale;
        c[5] = c[7] = (gb - sg * sb / count) * scale;
        c[8] = (bb - sb * sb / count) * scale;
        using var eigenvalues = new Mat();
        using var eigenvectors = new Mat();
        Cv2.Eigen(covariance, eigenvalues, eigenvectors); // descending eigenvalues, eigenvectors as rows
        Span<double> weights = [alpha.First, alpha.Second, alpha.Third];
        Span<double> delta = stackalloc double[3];
        for (var i = 0; i < 3; i++)
        {
            var w = weights[i] * eigenvalues.At<double>(i, 0);
            for (var ch = 0; ch < 3; ch++) delta[ch] += w * eigenvectors.At<double>(i, ch);
        }
        var lut = (byte*)_lut.Data;
        for (var v = 0; v < 256; v++)
            for (var ch = 0; ch < 3; ch++)
                lut[3 * v + ch] = (byte)Math.Clamp(v + delta[ch] * 255, 0, 255);
    }

    private void JpegRoundTrip(int quality)
    {
        Cv2.CvtColor(_a, _b, ColorConversionCodes.RGB2BGR);
        Cv2.ImEncode(".jpg", _b, out var encoded, new ImageEncodingParam(ImwriteFlags.JpegQuality, quality));
        using var decoded = Cv2.ImDecode(encoded, ImreadModes.Color);
        Cv2.CvtColor(decoded, _a, ColorConversionCodes.BGR2RGB);
    }
}


namespace Sta.MLNet;

/// <summary>
/// How <see cref="PhotoMotionClipGenerator"/> turns a still face photo into short "videos": a smooth hand-held camera
/// path (translation, zoom, roll), slow lighting drift and optional sensor noise, then the face front end on every
/// frame. Amplitudes are the largest excursion from the photo as it is; the path is a sum of two slow sinusoids per
/// parameter with periods and phases drawn from the video's seed, so consecutive frames move only slightly.
/// </summary>
public sealed record PhotoMotionOptions
{
    /// <summary>Frames per clip (T). Default 8 (the StA clip length).</summary>
    public int FrameCount { get; init; } = 8;

    /// <summary>Side of the aligned square face crop in pixels (e.g. 32, 64, 224). Default 224 (the StA input).</summary>
    public int FaceSize { get; init; } = 224;

    /// <summary>Largest camera shift, as a fraction of the photo's shorter side. Default 0.03.</summary>
    public double MaxTranslation { get; init; } = 0.03;

    /// <summary>Largest relative zoom change (scale in [1 - z, 1 + z]). Default 0.05.</summary>
    public double MaxZoom { get; init; } = 0.05;

    /// <summary>Largest camera roll in degrees. Default 3.</summary>
    public double MaxRotationDegrees { get; init; } = 3;

    /// <summary>Largest brightness offset in 8-bit levels. Default 12.</summary>
    public double MaxBrightness { get; init; } = 12;

    /// <summary>Largest relative contrast change (gain in [1 - c, 1 + c]). Default 0.08.</summary>
    public double MaxContrast { get; init; } = 0.08;

    /// <summary>Standard deviation of per-pixel Gaussian noise in 8-bit levels, drawn afresh every frame; 0 = none.
    /// Default 1.5.</summary>
    public double NoiseSigma { get; init; } = 1.5;

    /// <summary>Shortest and longest period of the camera/lighting sinusoids, in frames. Default 24..96 (about 1 to
    /// 4 s at 24 fps): slow next to the 8-frame clip, as a steady hand-held camera.</summary>
    public double MinPeriodFrames { get; init; } = 24;

    /// <inheritdoc cref="MinPeriodFrames"/>
    public double MaxPeriodFrames { get; init; } = 96;

    /// <summary>Face detector model (OpenCV cascade). Default Debian's <c>haarcascade_frontalface_alt2.xml</c>
    /// (package opencv-data).</summary>
    public string DetectorModelPath { get; init; } = FaceModelPaths.HaarFrontalFaceAlt2;

    /// <summary>dlib 68-point shape predictor. Default Debian's libdlib-data model,
    /// <see cref="FaceModelPaths.DlibShapePredictor68"/>.</summary>
    public string ShapePredictorPath { get; init; } = FaceModelPaths.DlibShapePredictor68;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (FrameCount <= 0) throw new ArgumentException($"FrameCount must be positive; got {FrameCount}.");
        if (FaceSize < 16) throw new ArgumentException($"FaceSize must be at least 16 pixels; got {FaceSize}.");
        Check(MaxTranslation, 0.5, nameof(MaxTranslation));
        Check(MaxZoom, 0.5, nameof(MaxZoom));
        Check(MaxRotationDegrees, 45, nameof(MaxRotationDegrees));
        Check(MaxBrightness, 128, nameof(MaxBrightness));
        Check(MaxContrast, 0.9, nameof(MaxContrast));
        Check(NoiseSigma, 64, nameof(NoiseSigma));
        if (!(MinPeriodFrames >= 2) || !(MaxPeriodFrames >= MinPeriodFrames) || !double.IsFinite(MaxPeriodFrames))
            throw new ArgumentException($"Periods must satisfy 2 <= MinPeriodFrames <= MaxPeriodFrames; got {MinPeriodFrames}..{MaxPeriodFrames}.");
        ArgumentException.ThrowIfNullOrWhiteSpace(DetectorModelPath, nameof(DetectorModelPath));
        ArgumentException.ThrowIfNullOrWhiteSpace(ShapePredictorPath, nameof(ShapePredictorPath));
    }

    private static void Check(double value, double max, string name)
    {
        if (!(value >= 0 && value <= max))
            throw new ArgumentException($"{name} must be in [0, {max}]; got {value}.");
    }
}

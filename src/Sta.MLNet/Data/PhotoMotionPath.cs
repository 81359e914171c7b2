
namespace Sta.MLNet;

/// <summary>Camera pose and lighting of one frame of a <see cref="PhotoVideo"/>, relative to the photo itself.</summary>
/// <param name="ShiftX">Horizontal camera shift in pixels of the photo.</param>
/// <param name="ShiftY">Vertical camera shift in pixels of the photo.</param>
/// <param name="Zoom">Scale factor about the photo centre (1 = none).</param>
/// <param name="AngleDegrees">Roll about the photo centre, counter-clockwise in display (OpenCV convention).</param>
/// <param name="Gain">Contrast gain about mid-grey (1 = none).</param>
/// <param name="Brightness">Offset added to every channel, 8-bit levels.</param>
internal readonly record struct PhotoFramePose(double ShiftX, double ShiftY, double Zoom, double AngleDegrees, double Gain, double Brightness);

/// <summary>
/// The smooth camera and lighting path of one video: every parameter is a normalised sum of two sinusoids whose
/// weights, periods and phases are drawn once from the video's seed, so any frame's pose is a pure function of
/// (seed, frame index) and a clip can be rendered without its predecessors.
/// </summary>
internal sealed class PhotoMotionPath
{
    private const int Parameters = 6;
    private const long Purpose = 0x504D; // "PM"
    private readonly (double Weight, double Omega, double Phase)[,] _waves = new (double, double, double)[Parameters, 2];
    private readonly double[] _amplitude;

    /// <param name="seed">The video's motion seed.</param>
    /// <param name="photoShortSide">Shorter side of the photo in pixels (scales the translation).</param>
    /// <param name="options">Amplitudes and periods.</param>
    public PhotoMotionPath(ulong seed, int photoShortSide, PhotoMotionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(photoShortSide);
        var random = new StableRandom(seed, 0, 0, Purpose);
        for (var p = 0; p < Parameters; p++)
        {
            for (var w = 0; w < 2; w++)
            {
                // The first wave dominates (weight 0.5..1), the second adds a slower or faster wobble (0..0.5).
                var weight = w == 0 ? 0.5 + 0.5 * random.NextDouble() : 0.5 * random.NextDouble();
                var period = options.MinPeriodFrames + (options.MaxPeriodFrames - options.MinPeriodFrames) * random.NextDouble();
                _waves[p, w] = (weight, 2 * Math.PI / period, 2 * Math.PI * random.NextDouble());
            }
        }
        var shift = options.MaxTranslation * photoShortSide;
        _amplitude = [shift, shift, options.MaxZoom, options.MaxRotationDegrees, options.MaxContrast, options.MaxBrightness];
    }

    /// <summary>The pose of frame <paramref name="frame"/> (0-based over the whole video).</summary>
    public PhotoFramePose At(long frame)
    {
        Span<double> v = stackalloc double[Parameters];
        for (var p = 0; p < Parameters; p++)
        {
            var (w0, o0, f0) = _waves[p, 0];
            var (w1, o1, f1) = _waves[p, 1];
            // Normalised so that |value| <= amplitude.
            v[p] = _amplitude[p] * (w0 * Math.Sin(o0 * frame + f0) + w1 * Math.Sin(o1 * frame + f1)) / (w0 + w1);
        }
        return new PhotoFramePose(v[0], v[1], 1 + v[2], v[3], 1 + v[4], v[5]);
    }
}

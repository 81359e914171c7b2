using System.Collections.Concurrent;
using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>
/// Makes real-face training and test clips from still photos: renders the frames of a <see cref="PhotoVideo"/> (camera
/// path, lighting drift and noise from <see cref="PhotoMotionPath"/>) and runs the face front end on every frame: the
/// OpenCV cascade detector (searching first where the camera put the photo's face, as a tracker searches near the last
/// face, then the whole frame), the dlib 68-point predictor port and DeepfakeBench alignment at
/// <see cref="PhotoMotionOptions.FaceSize"/>. The face is real, so the clips are label-real material for Video-level
/// Blending and for tests; the motion makes consecutive crops differ the way a steady hand-held camera does (landmark
/// and resampling jitter, lighting). Deterministic: the same photo, seed and options give the same bytes.
/// Thread-safe; decoded photos are kept (one copy per path) for the generator's lifetime.
/// </summary>
internal sealed class PhotoMotionClipGenerator : IDisposable
{
    private const long NoisePurpose = 0x4E5A; // "NZ"
    private readonly ConcurrentDictionary<string, Lazy<Photo>> _photos = new(StringComparer.Ordinal);
    private readonly CascadeFaceDetector _detector;
    private readonly FaceFrontEnd _frontEnd;

    /// <param name="options">Clip length, crop size, motion amplitudes and model files; defaults as documented on
    /// <see cref="PhotoMotionOptions"/>.</param>
    /// <exception cref="FaceModelNotFoundException">A face model file is missing (names the Debian package).</exception>
    public PhotoMotionClipGenerator(PhotoMotionOptions? options = null)
    {
        Options = options ?? new PhotoMotionOptions();
        Options.Validate();
        var predictor = DlibShapePredictor.FromFile(Options.ShapePredictorPath);
        if (predictor.PartCount < VideoBlendOptions.LandmarkCount)
            throw new ArgumentException($"The shape predictor {Options.ShapePredictorPath} has {predictor.PartCount} points; 68 are needed.", nameof(options));
        _detector = new CascadeFaceDetector(new CascadeFaceDetectorOptions { ModelPath = Options.DetectorModelPath });
        _frontEnd = new FaceFrontEnd(_detector, predictor, new FaceAligner(new FaceAlignmentOptions { OutputSize = Options.FaceSize }));
    }

    /// <summary>The options the generator was created with.</summary>
    public PhotoMotionOptions Options { get; }

    /// <summary>Values per clip: T x S x S x 3 bytes (or normalised floats).</summary>
    public int ClipLength => Options.FrameCount * Options.FaceSize * Options.FaceSize * 3;

    /// <summary>Landmark values per clip: T x 68 x 2.</summary>
    public int LandmarksLength => Options.FrameCount * VideoBlendOptions.LandmarkCount * 2;

    /// <summary>All clips of <paramref name="video"/>, generated one at a time as the sequence is enumerated.</summary>
    public IEnumerable<PhotoMotionClip> Generate(PhotoVideo video)
    {
        Check(video);
        for (var k = 0; k < video.ClipCount; k++)
            yield return GenerateClip(video, k);
    }

    /// <summary>Clip <paramref name="clipIndex"/> of <paramref name="video"/> (frames kT..kT+T-1 of its path).</summary>
    /// <exception cref="FileNotFoundException">The photo does not exist.</exception>
    /// <exception cref="InvalidDataException">OpenCV cannot read the photo, or no face is found in any frame.</exception>
    public PhotoMotionClip GenerateClip(PhotoVideo video, int clipIndex)
    {
        Check(video);
        if ((uint)clipIndex >= (uint)video.ClipCount)
            throw new ArgumentOutOfRangeException(nameof(clipIndex), clipIndex, $"Video '{video.VideoId}' has {video.ClipCount} clip(s).");
        var frames = Options.FrameCount;
        var size = Options.FaceSize;
        var clip = RgbClip.Zeros(frames, size, size);
        var landmarks = new float[LandmarksLength];
        var missing = Render(video, clipIndex, clip.Pixels, landmarks);
        return new PhotoMotionClip(video.VideoId, clipIndex, clip, landmarks, missing);
    }

    /// <summary>
    /// Clip <paramref name="clipIndex"/> of <paramref name="video"/> written into caller buffers: <paramref name="rgb"/>
    /// receives [T, S, S, 3] bytes, <paramref name="landmarks"/> [T, 68, 2] crop coordinates. Returns the number of
    /// frames without a detected face.
    /// </summary>
    public int Render(PhotoVideo video, int clipIndex, Span<byte> rgb, Span<float> landmarks)
    {
        Check(video);
        if (rgb.Length != ClipLength) throw new ArgumentException($"The clip buffer needs {ClipLength} bytes; got {rgb.Length}.", nameof(rgb));
        if (landmarks.Length != LandmarksLength) throw new ArgumentException($"The landmark buffer needs {LandmarksLength} floats; got {landmarks.Length}.", nameof(landmarks));
        var photo = _photos.GetOrAdd(video.PhotoPath, path => new Lazy<Photo>(() => Photo.Load(path, _detector))).Value;
        var path = new PhotoMotionPath(video.MotionSeed, Math.Min(photo.Width, photo.Height), Options);
        var frames = new List<Mat>(Options.FrameCount);
        try
        {
            using var source = Mat.FromPixelData(photo.Height, photo.Width, MatType.CV_8UC3, photo.Rgb);
            for (var t = 0; t < Options.FrameCount; t++)
                frames.Add(RenderFrame(source, path.At((long)clipIndex * Options.FrameCount + t), video.MotionSeed, (long)clipIndex * Options.FrameCount + t));
            var frameLength = Options.FaceSize * Options.FaceSize * 3;
            var missing = 0;
            for (var t = 0; t < frames.Count; t++)
            {
                // The photo's face, carried through this frame's camera transform, tells the front end where to look
                // first (as a tracker would from the previous frame); it searches the whole frame when that fails.
                var hint = photo.Face is { } face ? CameraBox(face, photo, path.At((long)clipIndex * Options.FrameCount + t)) : (FaceBox?)null;
                var box = _frontEnd.DetectInClip(frames[t], ChannelOrder.Rgb, hint);
                var detected = box is not null;
                if (!detected)
                {
                    missing++;
                    box = hint ?? throw new InvalidDataException(
                        $"No face was found in frame {t} of clip {clipIndex} of video '{video.VideoId}' (photo {video.PhotoPath}).");
                }
                using var result = _frontEnd.AlignBox(frames[t], box!.Value, detected);
                CopyPixels(result.Aligned.Image, rgb.Slice(t * frameLength, frameLength));
                var points = landmarks.Slice(t * VideoBlendOptions.LandmarkCount * 2, VideoBlendOptions.LandmarkCount * 2);
                for (var i = 0; i < VideoBlendOptions.LandmarkCount; i++)
                {
                    points[2 * i] = (float)result.CropLandmarks[i].X;
                    points[2 * i + 1] = (float)result.CropLandmarks[i].Y;
                }
            }
            return missing;
        }
        finally
        {
            foreach (var frame in frames) frame.Dispose();
        }
    }

    /// <summary>One camera frame: the photo moved by the pose (mirrored border, so no black wedges reach the
    /// detector), lit by the pose's gain and brightness, plus approximately Gaussian noise.</summary>
    private Mat RenderFrame(Mat photo, PhotoFramePose pose, ulong seed, long frameIndex)
    {
        var frame = new Mat();
        try
        {
            using (var matrix = CameraMatrix(photo.Width, photo.Height, pose))
                Cv2.WarpAffine(photo, frame, matrix, photo.Size(), InterpolationFlags.Linear, BorderTypes.Reflect101);
            // Contrast about mid-grey, then brightness; convertTo saturates to 0..255.
            frame.ConvertTo(frame, -1, pose.Gain, 128 * (1 - pose.Gain) + pose.Brightness);
            if (Options.NoiseSigma > 0) AddNoise(frame, seed, frameIndex);
            return frame;
        }
        catch
        {
            frame.Dispose();
            throw;
        }
    }

    /// <summary>Photo to frame coordinates: roll and zoom about the photo centre (OpenCV's rotation matrix), then the
    /// shift.</summary>
    private static Mat CameraMatrix(int width, int height, PhotoFramePose pose)
    {
        var matrix = Cv2.GetRotationMatrix2D(new Point2f(width / 2f, height / 2f), pose.AngleDegrees, pose.Zoom);
        matrix.Set(0, 2, matrix.Get<double>(0, 2) + pose.ShiftX);
        matrix.Set(1, 2, matrix.Get<double>(1, 2) + pose.ShiftY);
        return matrix;
    }

    /// <summary>Where the camera puts the photo's face box in a frame (centre mapped, size scaled by the zoom).</summary>
    private static FaceBox CameraBox(FaceBox face, Photo photo, PhotoFramePose pose)
    {
        using var matrix = CameraMatrix(photo.Width, photo.Height, pose);
        var centre = face.Center;
        var x = matrix.Get<double>(0, 0) * centre.X + matrix.Get<double>(0, 1) * centre.Y + matrix.Get<double>(0, 2);
        var y = matrix.Get<double>(1, 0) * centre.X + matrix.Get<double>(1, 1) * centre.Y + matrix.Get<double>(1, 2);
        var halfWidth = face.Width * pose.Zoom / 2;
        var halfHeight = face.Height * pose.Zoom / 2;
        return new FaceBox((int)Math.Round(x - halfWidth), (int)Math.Round(y - halfHeight), (int)Math.Round(x + halfWidth), (int)Math.Round(y + halfHeight));
    }

    private unsafe void AddNoise(Mat frame, ulong seed, long frameIndex)
    {
        var random = new StableRandom(seed, frameIndex, 0, NoisePurpose);
        var pixels = new Span<byte>((void*)frame.Data, checked((int)frame.Total() * 3));
        // Irwin-Hall: the sum of four 16-bit uniforms from one 64-bit draw, centred and scaled to unit variance, is
        // close enough to Gaussian for sensor noise and four times cheaper than Box-Muller.
        var scale = Options.NoiseSigma * Math.Sqrt(3) / 65536.0;
        for (var i = 0; i < pixels.Length; i++)
        {
            var bits = random.NextUInt64();
            var sum = (double)(bits & 0xFFFF) + ((bits >> 16) & 0xFFFF) + ((bits >> 32) & 0xFFFF) + (bits >> 48) - 2 * 65535.0;
            var value = pixels[i] + sum * scale;
            pixels[i] = (byte)Math.Clamp(Math.Round(value), 0, 255);
        }
    }

    private static unsafe void CopyPixels(Mat image, Span<byte> destination)
    {
        if (!image.IsContinuous() || image.Type() != MatType.CV_8UC3 || image.Total() * 3 != destination.Length)
            throw new InvalidOperationException($"Unexpected aligned crop {image.Width}x{image.Height} {image.Type()}.");
        new ReadOnlySpan<byte>((void*)image.Data, destination.Length).CopyTo(destination);
    }

    private static void Check(PhotoVideo video)
    {
        ArgumentNullException.ThrowIfNull(video);
        ArgumentException.ThrowIfNullOrWhiteSpace(video.PhotoPath, nameof(video));
        ArgumentNullException.ThrowIfNull(video.VideoId, nameof(video));
        if (video.ClipCount <= 0) throw new ArgumentOutOfRangeException(nameof(video), video.ClipCount, $"Video '{video.VideoId}' needs at least one clip.");
    }

    public void Dispose() => _detector.Dispose();

    /// <summary>A decoded photo kept as managed RGB bytes (no native handle to leak if a data view is dropped), and its
    /// largest face, if the detector finds one in the photo itself.</summary>
    private sealed record Photo(byte[] Rgb, int Width, int Height, FaceBox? Face)
    {
        public static unsafe Photo Load(string path, IFaceDetector detector)
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"Photo not found: {path}", path);
            using var bgr = Cv2.ImRead(path, ImreadModes.Color);
            if (bgr.Empty()) throw new InvalidDataException($"OpenCV cannot read the photo {path}.");
            using var rgb = new Mat();
            Cv2.CvtColor(bgr, rgb, ColorConversionCodes.BGR2RGB);
            var bytes = new byte[rgb.Total() * 3];
            new ReadOnlySpan<byte>((void*)rgb.Data, bytes.Length).CopyTo(bytes);
            return new Photo(bytes, rgb.Width, rgb.Height, FaceTrackSelector.Largest(detector.Detect(rgb, ChannelOrder.Rgb)));
        }
    }
}

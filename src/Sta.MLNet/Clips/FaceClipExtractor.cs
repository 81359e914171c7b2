using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>
/// Video to model-ready clips: plans a video's clips (<see cref="FaceClipOptions.Sampling"/>), decodes one clip's
/// frames, finds, follows and aligns the face (<see cref="FaceFrontEnd.ProcessClip"/>), and writes the CLIP-normalised
/// RGB crops [T, 3, S, S] and the crop landmarks [T, 68, 2] into the caller's buffers, so that streaming any number of
/// clips allocates no per-clip arrays. Keeps the last video open, so consecutive clips of one video do not re-open it.
/// Not thread-safe: use one extractor per thread (the landmark model is shared between them).
/// </summary>
internal sealed class FaceClipExtractor : IDisposable
{
    private readonly Lazy<(IFaceDetector Detector, IFaceDetector? FirstLook, FaceFrontEnd FrontEnd)> _faces;
    private readonly byte[] _frameBytes;
    private VideoReader? _reader;
    private bool _disposed;

    /// <summary>
    /// Creates the extractor. The face models are loaded on the first clip that needs them (extracted-frame clips do
    /// not), and a missing model file fails there with <see cref="FaceModelNotFoundException"/>.
    /// </summary>
    public FaceClipExtractor(FaceClipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _faces = new Lazy<(IFaceDetector, IFaceDetector?, FaceFrontEnd)>(CreateFrontEnd, LazyThreadSafetyMode.None);
        _frameBytes = new byte[options.ClipSize * options.ClipSize * 3];
    }

    private (IFaceDetector, IFaceDetector?, FaceFrontEnd) CreateFrontEnd()
    {
        var predictor = DlibShapePredictor.FromFile(Options.ShapePredictorPath);
        if (predictor.PartCount < FaceClipOptions.LandmarkCount)
            throw new InvalidDataException(
                $"The shape predictor {Options.ShapePredictorPath} has {predictor.PartCount} points; clips need a 68- or 81-point model.");
        IFaceDetector detector = Options.Detector == FaceDetectorKind.YuNet
            ? new YuNetFaceDetector(Options.YuNet!)
            : new CascadeFaceDetector(Options.Cascade);
        var aligner = new FaceAligner(new FaceAlignmentOptions
        {
            OutputSize = Options.AlignmentSize, Scale = Options.AlignmentScale, Precision = Options.AlignmentPrecision,
        });
        IFaceDetector? firstLook = null;
        if (Options.FirstFrameSearchSide > 0)
        {
            firstLook = Options.Detector == FaceDetectorKind.YuNet
                ? new YuNetFaceDetector(Options.YuNet! with { MaxImageSide = Options.FirstFrameSearchSide })
                : new CascadeFaceDetector(Options.Cascade with { MaxImageSide = Options.FirstFrameSearchSide });
        }
        return (detector, firstLook, new FaceFrontEnd(detector, predictor, aligner, options: Options.FaceSearch));
    }

    /// <summary>The options the extractor was built with.</summary>
    public FaceClipOptions Options { get; }

    /// <summary>The face front end (detector, landmarks, aligner), created on first use.</summary>
    public FaceFrontEnd FrontEnd => _faces.Value.FrontEnd;

    /// <summary>Opens <paramref name="path"/> (or reuses the open video) and plans its clips.</summary>
    /// <param name="path">The video file.</param>
    /// <param name="videoKey">Key of seeded random clip starts (<see cref="ClipSamplingOptions.ClipStartSeed"/>); default the path.</param>
    /// <exception cref="VideoDecodeException">The video cannot be opened or has no decodable frame.</exception>
    public ClipPlan PlanVideo(string path, string? videoKey = null)
    {
        var reader = ReaderFor(path);
        return ClipSampler.PlanVideo(reader.Info.FrameCount, Options.Sampling, videoKey ?? path);
    }

    /// <summary>Frame count, fps and size of <paramref name="path"/>, from the open video (no second read of the file).</summary>
    /// <exception cref="VideoDecodeException">The video cannot be opened.</exception>
    public VideoInfo ReadInfo(string path) => ReaderFor(path).Info;

    /// <summary>
    /// Clip <paramref name="clipIndex"/> of <paramref name="path"/>: planned, decoded, aligned and written to the buffers.
    /// </summary>
    /// <exception cref="VideoDecodeException">The video cannot be opened, or frames of the clip do not decode.</exception>
    /// <exception cref="VideoTooShortException">The video is too short for one clip (<see cref="ShortVideoPolicy.Reject"/>).</exception>
    /// <exception cref="ClipIndexOutOfRangeException">The video has fewer clips.</exception>
    /// <exception cref="FacelessClipException">No face in the clip, with <see cref="FacelessClipHandling.Reject"/>.</exception>
    public FaceClipInfo ExtractClip(string path, int clipIndex, Span<float> clip, Span<float> landmarks, CancellationToken cancellationToken = default)
    {
        var plan = PlanVideo(path).ThrowIfTooShort(path);
        if (clipIndex < 0 || clipIndex >= plan.Clips.Count)
            throw new ClipIndexOutOfRangeException(path, clipIndex, plan.Clips.Count);
        return ExtractClip(path, plan, clipIndex, clip, landmarks, cancellationToken);
    }

    /// <summary>Clip <paramref name="clipIndex"/> of an already planned video.</summary>
    public FaceClipInfo ExtractClip(string path, ClipPlan plan, int clipIndex, Span<float> clip, Span<float> landmarks,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return ExtractClip(path, plan.Clips[clipIndex], clipIndex, plan.Clips.Count, clip, landmarks, cancellationToken);
    }

    /// <summary>The clip made of frames <paramref name="frameIndices"/> of <paramref name="path"/> (e.g. from a <see cref="ClipDescriptor"/>).</summary>
    public FaceClipInfo ExtractClip(string path, IReadOnlyList<int> frameIndices, int clipIndex, int clipCount, Span<float> clip,
        Span<float> landmarks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(frameIndices);
        var frames = DecodeClip(path, frameIndices);
        try
        {
            return ProcessFrames(frames, path, clipIndex, clipCount, frameIndices[0], clip, landmarks, cancellationToken);
        }
        finally
        {
            foreach (var frame in frames)
                frame.Dispose();
        }
    }

    /// <summary>
    /// Decodes frames <paramref name="frameIndices"/> of <paramref name="path"/> (re-using the open video) as RGB Mats,
    /// all or none; the caller disposes them. Lets a caller tell decoding failures from face-pipeline failures.
    /// </summary>
    /// <exception cref="VideoDecodeException">The video cannot be opened, or frames of the clip do not decode.</exception>
    internal Mat[] DecodeClip(string path, IReadOnlyList<int> frameIndices)
    {
        ArgumentNullException.ThrowIfNull(frameIndices);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return ReaderFor(path).ReadClip(frameIndices);
    }

    /// <summary>
    /// The face pipeline on already decoded RGB frames (T of them, any size): detection, no-face policy, alignment,
    /// resize to <see cref="FaceClipOptions.ClipSize"/>, CLIP normalisation.
    /// </summary>
    /// <param name="rgbFrames">The clip's frames, 8-bit RGB.</param>
    /// <param name="path">Named in errors.</param>
    /// <param name="clipIndex">Recorded in the result and errors.</param>
    /// <param name="clipCount">Recorded in the result.</param>
    /// <param name="firstFrame">Recorded in the result and errors.</param>
    /// <param name="clip">Receives T x 3 x S x S floats.</param>
    /// <param name="landmarks">Receives T x 68 x 2 floats, (x, y) in output-crop pixels.</param>
    /// <param name="cancellationToken">Checked between frames.</param>
    public FaceClipInfo ProcessFrames(IReadOnlyList<Mat> rgbFrames, string path, int clipIndex, int clipCount, int firstFrame,
        Span<float> clip, Span<float> landmarks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rgbFrames);
        CheckBuffers(rgbFrames.Count, clip, landmarks);
        using var faces = AlignClip(rgbFrames, cancellationToken);
        var facesFound = rgbFrames.Count - faces.FramesWithoutFace;
        if (faces.IsFaceless)
        {
            if (Options.FacelessClips == FacelessClipHandling.Reject)
                throw new FacelessClipException(path, clipIndex, firstFrame);
            WriteBlack(clip);
            landmarks.Clear();
            return new FaceClipInfo(clipIndex, clipCount, firstFrame, 0, rgbFrames.Count, IsFaceless: true);
        }

        int size = Options.ClipSize, frameLength = 3 * size * size;
        var scale = (double)size / Options.AlignmentSize;
        for (var t = 0; t < rgbFrames.Count; t++)
        {
            var face = faces.Frames[t]!;
            WriteFrame(face.Aligned.Image, clip.Slice(t * frameLength, frameLength));
            var points = landmarks.Slice(t * FaceClipOptions.LandmarkCount * 2, FaceClipOptions.LandmarkCount * 2);
            for (var p = 0; p < FaceClipOptions.LandmarkCount; p++)
            {
                points[2 * p] = (float)(face.CropLandmarks[p].X * scale);
                points[2 * p + 1] = (float)(face.CropLandmarks[p].Y * scale);
            }
        }
        return new FaceClipInfo(clipIndex, clipCount, firstFrame, facesFound, faces.FramesWithoutFace, IsFaceless: false);
    }

    /// <summary>
    /// Detection, tracking, no-face policy and alignment of one clip's RGB frames: <see cref="FaceFrontEnd.ProcessClip"/>,
    /// except that the first frame is first searched at <see cref="FaceClipOptions.FirstFrameSearchSide"/> and the face
    /// found there refined by the search near it. Depends only on the frames, never on earlier clips, so a clip has the
    /// same values whatever order clips are read in. The caller disposes the result.
    /// </summary>
    public ClipFaceAlignment AlignClip(IReadOnlyList<Mat> rgbFrames, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rgbFrames);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var (_, firstLook, frontEnd) = _faces.Value;
        if (firstLook is null)
            return frontEnd.ProcessClip(rgbFrames, ChannelOrder.Rgb, cancellationToken);
        var detected = new FaceBox?[rgbFrames.Count];
        FaceBox? previous = null;
        for (var i = 0; i < rgbFrames.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var hint = i == 0 ? FaceTrackSelector.Largest(firstLook.Detect(rgbFrames[0], ChannelOrder.Rgb)) : previous;
            detected[i] = frontEnd.DetectInClip(rgbFrames[i], ChannelOrder.Rgb, hint);
            previous = detected[i] ?? previous;
        }
        var faces = ClipFacePolicy.FillFromNearestFrame(detected);
        var results = new AlignedFaceResult?[rgbFrames.Count];
        try
        {
            for (var i = 0; i < rgbFrames.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (faces.Frames[i].Box is { } box)
                    results[i] = frontEnd.AlignBox(rgbFrames[i], box, faces.Frames[i].Detected);
            }
        }
        catch
        {
            foreach (var result in results)
                result?.Dispose();
            throw;
        }
        return new ClipFaceAlignment(faces, results);
    }

    /// <summary>
    /// DeepfakeBench clips of already aligned frames (docs/design.md, "Frame loading"): each frame file read, converted to RGB, resized to
    /// <see cref="FaceClipOptions.ClipSize"/> bicubic, normalised; landmarks read from the .npy files and scaled by
    /// size / 256 (zeros when the clip has no landmark files). No face detection: every frame counts as a face.
    /// </summary>
    /// <exception cref="DatasetFileMissingException">A frame or landmark file is missing.</exception>
    /// <exception cref="DatasetFormatException">A frame or landmark file is malformed.</exception>
    public FaceClipInfo LoadExtractedClip(ClipDescriptor descriptor, Span<float> clip, Span<float> landmarks)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var framePaths = descriptor.FramePaths
            ?? throw new ArgumentException($"Clip {descriptor.ClipIndex} of {descriptor.VideoId} has no frame files.", nameof(descriptor));
        CheckBuffers(framePaths.Count, clip, landmarks);
        int size = Options.ClipSize, frameLength = 3 * size * size;
        for (var t = 0; t < framePaths.Count; t++)
        {
            using var frame = ExtractedFrameLoader.LoadFrame(framePaths[t], size);
            WriteFrame(frame, clip.Slice(t * frameLength, frameLength));
        }
        landmarks.Clear();
        if (descriptor.LandmarkPaths is { } landmarkPaths)
        {
            for (var t = 0; t < landmarkPaths.Count; t++)
            {
                var points = ExtractedFrameLoader.LoadLandmarks(landmarkPaths[t], ExtractedFrameLoader.StoredCropSize, size);
                var target = landmarks.Slice(t * FaceClipOptions.LandmarkCount * 2, FaceClipOptions.LandmarkCount * 2);
                for (var p = 0; p < FaceClipOptions.LandmarkCount; p++)
                {
                    target[2 * p] = points[p].X;
                    target[2 * p + 1] = points[p].Y;
                }
            }
        }
        return new FaceClipInfo(descriptor.ClipIndex, descriptor.ClipCount, descriptor.FrameIndices[0], framePaths.Count, 0, false);
    }

    /// <summary>Closes the open video (the next clip re-opens it).</summary>
    public void CloseVideo()
    {
        _reader?.Dispose();
        _reader = null;
    }

    /// <summary>Releases the open video and the detector.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        CloseVideo();
        if (_faces.IsValueCreated)
        {
            _faces.Value.Detector.Dispose();
            _faces.Value.FirstLook?.Dispose();
        }
    }

    private void CheckBuffers(int frameCount, Span<float> clip, Span<float> landmarks)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (frameCount != Options.FramesPerClip)
            throw new ArgumentException($"Expected {Options.FramesPerClip} frames per clip, got {frameCount}.");
        if (clip.Length != Options.ClipLength)
            throw new ArgumentException($"The clip buffer needs {Options.ClipLength} floats, got {clip.Length}.", nameof(clip));
        if (landmarks.Length != Options.LandmarksLength)
            throw new ArgumentException($"The landmark buffer needs {Options.LandmarksLength} floats, got {landmarks.Length}.", nameof(landmarks));
    }

    private void WriteBlack(Span<float> clip)
    {
        int plane = Options.ClipSize * Options.ClipSize;
        Array.Clear(_frameBytes);
        for (var t = 0; t < Options.FramesPerClip; t++)
            ClipNormalization.Normalize(_frameBytes, clip.Slice(t * 3 * plane, 3 * plane), 1, Options.ClipSize, Options.ClipSize);
    }

    /// <summary>RGB crop of any size -> ClipSize (bicubic when it differs) -> normalised [3, S, S].</summary>
    private unsafe void WriteFrame(Mat rgb, Span<float> destination)
    {
        int size = Options.ClipSize;
        Mat source = rgb;
        Mat? resized = null;
        try
        {
            if (rgb.Width != size || rgb.Height != size)
            {
                resized = new Mat();
                Cv2.Resize(rgb, resized, new Size(size, size), 0, 0, InterpolationFlags.Cubic);
                source = resized;
            }
            if (source.Type() != MatType.CV_8UC3)
                throw new InvalidOperationException($"Aligned crops must be 8-bit RGB, got {source.Type()}.");
            // Copy row by row: a crop may be a non-continuous view.
            var bytes = _frameBytes.AsSpan();
            for (var y = 0; y < size; y++)
                new ReadOnlySpan<byte>((void*)source.Ptr(y), size * 3).CopyTo(bytes.Slice(y * size * 3, size * 3));
            ClipNormalization.Normalize(bytes, destination, 1, size, size);
        }
        finally
        {
            resized?.Dispose();
        }
    }

    private VideoReader ReaderFor(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (_reader is not null && _reader.Info.Path == path)
            return _reader;
        CloseVideo();
        _reader = VideoReader.Open(path);
        return _reader;
    }
}

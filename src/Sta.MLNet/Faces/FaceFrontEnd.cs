using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>
/// Face front end of the StA pipeline: detection, face choice (largest, then tracked across a clip), dlib-style
/// landmarks and DeepfakeBench alignment. The crop keeps the input's channel order (upstream warps RGB frames).
/// Thread-safe when its parts are (all shipped parts are); it does not own them.
/// </summary>
internal sealed class FaceFrontEnd
{
    // One cascade pyramid step (OpenCV's default factor) beyond the sizes the IoU rule allows, for faces at the limit.
    private const double NearSearchMargin = 1.1;

    /// <param name="detector">Finds candidate faces.</param>
    /// <param name="predictor">Landmarks (68 or 81 points).</param>
    /// <param name="aligner">Crop size and alignment arithmetic.</param>
    /// <param name="selector">Face choice within a clip; default <see cref="FaceTrackSelector"/> with IoU 0.3.</param>
    /// <param name="options">Clip search settings; defaults as documented on <see cref="FaceFrontEndOptions"/>.</param>
    public FaceFrontEnd(IFaceDetector detector, DlibShapePredictor predictor, FaceAligner aligner, FaceTrackSelector? selector = null,
        FaceFrontEndOptions? options = null)
    {
        Options = options ?? new FaceFrontEndOptions();
        if (!(Options.SearchRegionScale >= 1))
            throw new ArgumentOutOfRangeException(nameof(options), Options.SearchRegionScale, "SearchRegionScale must be >= 1.");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.SearchFaceSize);
        Detector = detector ?? throw new ArgumentNullException(nameof(detector));
        Predictor = predictor ?? throw new ArgumentNullException(nameof(predictor));
        Aligner = aligner ?? throw new ArgumentNullException(nameof(aligner));
        Selector = selector ?? new FaceTrackSelector();
    }

    public IFaceDetector Detector { get; }
    public DlibShapePredictor Predictor { get; }
    public FaceAligner Aligner { get; }
    public FaceTrackSelector Selector { get; }
    public FaceFrontEndOptions Options { get; }

    /// <summary>The largest face of a single image, aligned; null when no face is found.</summary>
    public AlignedFaceResult? ProcessImage(Mat image, ChannelOrder order = ChannelOrder.Bgr)
    {
        var box = FaceTrackSelector.Largest(Detector.Detect(image, order));
        return box is { } found ? AlignBox(image, found, detected: true) : null;
    }

    /// <summary>Landmarks and alignment of a face whose box is already known.</summary>
    /// <param name="image">8-bit image with 1, 3 or 4 channels; any channel order.</param>
    /// <param name="box">Face box in dlib convention.</param>
    /// <param name="detected">Recorded in the result; false for a box borrowed from another frame.</param>
    public AlignedFaceResult AlignBox(Mat image, FaceBox box, bool detected = true)
    {
        var landmarks = Predictor.Predict(image, box);
        var aligned = Aligner.Align(image, landmarks);
        var crop = new Point2d[landmarks.Count];
        for (var i = 0; i < crop.Length; i++)
            crop[i] = aligned.Transform.Apply(landmarks.Points[i]);
        return new AlignedFaceResult(box, detected, landmarks, aligned, crop);
    }

    /// <summary>
    /// The frames of one clip: faces are detected in every frame and followed with <see cref="Selector"/> (the last
    /// face kept is the reference, so a missed frame does not reset the track); frames without a face borrow the box
    /// of the nearest frame with one (<see cref="ClipFacePolicy"/>); a clip without any face yields no crops.
    /// </summary>
    public ClipFaceAlignment ProcessClip(IReadOnlyList<Mat> frames, ChannelOrder order = ChannelOrder.Bgr, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var detected = new FaceBox?[frames.Count];
        FaceBox? previous = null;
        for (var i = 0; i < frames.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            detected[i] = DetectInClip(frames[i], order, previous);
            previous = detected[i] ?? previous;
        }
        var faces = ClipFacePolicy.FillFromNearestFrame(detected);
        var results = new AlignedFaceResult?[frames.Count];
        try
        {
            for (var i = 0; i < frames.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var face = faces.Frames[i];
                if (face.Box is { } box)
                    results[i] = AlignBox(frames[i], box, face.Detected);
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
    /// The face to keep in one frame of a clip given the last face kept (null at the start): searched near that face
    /// first when <see cref="FaceFrontEndOptions.SearchNearPreviousFace"/> is set, else (or when nothing is found
    /// there) in the whole frame with <see cref="Selector"/>.
    /// </summary>
    public FaceBox? DetectInClip(Mat frame, ChannelOrder order, FaceBox? previous)
    {
        if (previous is { } last && Options.SearchNearPreviousFace)
        {
            var near = DetectNear(frame, order, last);
            var chosen = Selector.Select(near, last);
            // Accept only a face that continues the track; a different face in the region goes through the full search.
            if (chosen is { } face && face.IntersectionOverUnion(last) >= Selector.MinOverlap)
                return face;
        }
        return Selector.Select(Detector.Detect(frame, order), previous);
    }

    private List<FaceDetection> DetectNear(Mat frame, ChannelOrder order, FaceBox last)
    {
        var side = Math.Max(last.Width, last.Height) * Options.SearchRegionScale;
        var centre = last.Center;
        var left = Math.Max(0, (int)Math.Floor(centre.X - side / 2));
        var top = Math.Max(0, (int)Math.Floor(centre.Y - side / 2));
        var right = Math.Min(frame.Width, (int)Math.Ceiling(centre.X + side / 2) + 1);
        var bottom = Math.Min(frame.Height, (int)Math.Ceiling(centre.Y + side / 2) + 1);
        if (right - left < 8 || bottom - top < 8)
            return [];
        using var region = new Mat(frame, new Rect(left, top, right - left, bottom - top));
        var (smallSize, scale) = DetectionImage.Shrunk(region.Size(), (double)Options.SearchFaceSize / Math.Max(last.Width, last.Height));
        // Only a face that overlaps the last one by the selector's IoU can be kept, and two boxes whose sides differ by
        // more than 1/sqrt(IoU) cannot overlap that much: the detector need not look at other sizes (a pyramid step of
        // margin keeps the raw detections that group into a face at the limit).
        var sizes = FaceSizeRange.Around(Math.Max(last.Width, last.Height) * scale, NearSearchMargin / Math.Sqrt(Selector.MinOverlap));
        // Grey levels first when the detector reads only those: a third of the pixels to resample.
        using var converted = Detector.ReadsGreyLevelsOnly && region.Channels() > 1 ? new Mat() : null;
        if (converted is not null)
            DetectionImage.ToGrey(region, order, converted);
        var source = converted ?? region;
        IReadOnlyList<FaceDetection> found;
        if (scale < 1)
        {
            using var small = new Mat();
            Cv2.Resize(source, small, smallSize, interpolation: InterpolationFlags.Area);
            found = Detector.Detect(small, order, sizes);
        }
        else
        {
            found = Detector.Detect(source, order, sizes);
        }
        var result = new List<FaceDetection>(found.Count);
        foreach (var detection in found)
        {
            var b = detection.Box;
            var box = DetectionImage.ToImage(b.Left, b.Top, b.Width, b.Height, scale);
            result.Add(detection with { Box = new FaceBox(box.Left + left, box.Top + top, box.Right + left, box.Bottom + top) });
        }
        return result;
    }
}

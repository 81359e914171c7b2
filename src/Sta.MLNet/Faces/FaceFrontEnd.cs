using OpenCvSharp;

namespace Sta.MLNet.Faces;

/// <summary>
/// Face front end of the StA pipeline: detection, face choice (largest, then tracked across a clip), dlib-style
/// landmarks and DeepfakeBench alignment. The crop keeps the input's channel order (upstream warps RGB frames).
/// Thread-safe when its parts are (all shipped parts are); it does not own them.
/// </summary>
public sealed class FaceFrontEnd
{
    /// <param name="detector">Finds candidate faces.</param>
    /// <param name="predictor">Landmarks (68 or 81 points).</param>
    /// <param name="aligner">Crop size and alignment arithmetic.</param>
    /// <param name="selector">Face choice within a clip; default <see cref="FaceTrackSelector"/> with IoU 0.3.</param>
    public FaceFrontEnd(IFaceDetector detector, DlibShapePredictor predictor, FaceAligner aligner, FaceTrackSelector? selector = null)
    {
        Detector = detector ?? throw new ArgumentNullException(nameof(detector));
        Predictor = predictor ?? throw new ArgumentNullException(nameof(predictor));
        Aligner = aligner ?? throw new ArgumentNullException(nameof(aligner));
        Selector = selector ?? new FaceTrackSelector();
    }

    public IFaceDetector Detector { get; }
    public DlibShapePredictor Predictor { get; }
    public FaceAligner Aligner { get; }
    public FaceTrackSelector Selector { get; }

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
            detected[i] = Selector.Select(Detector.Detect(frames[i], order), previous);
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
}

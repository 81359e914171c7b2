using OpenCvSharp;
using Sta.MLNet;

namespace Sta.MLNet.Cli.Faces;

/// <summary>Face crops of one clip at the network's resolution, with landmarks in crop pixels.</summary>
/// <param name="Rgb">[T, size, size, 3] RGB bytes.</param>
/// <param name="Landmarks">[T, 68, 2] (x, y) in crop pixels (the first 68 points of the predictor's layout).</param>
/// <param name="FramesWithFace">Frames in which a face was detected (the others borrowed a neighbour's box).</param>
internal sealed record CroppedClip(byte[] Rgb, float[] Landmarks, int FrameCount, int Size, int FramesWithFace);

/// <summary>
/// The face front end as the CLI uses it: DeepfakeBench alignment at 256 px (docs/design.md, "Face preprocessing"), then a bicubic resize to the
/// network's resolution, as DeepfakeBench's loader does with its stored 256 px crops (docs/design.md, "Frame loading"). Owns the detector.
/// </summary>
internal sealed class FaceCropper : IDisposable
{
    /// <summary>Landmark points handed on per frame: the 68 of iBUG 300-W, which 81-point models start with.</summary>
    public const int LandmarkPoints = 68;

    private readonly IFaceDetector _detector;

    private FaceCropper(IFaceDetector detector, FaceFrontEnd frontEnd)
    {
        _detector = detector;
        FrontEnd = frontEnd;
    }

    public FaceFrontEnd FrontEnd { get; }

    /// <summary>Loads the models named by <paramref name="settings"/> (a missing file raises FaceModelNotFoundException).</summary>
    public static FaceCropper Create(FaceSettings settings, int alignedSize = ExtractedFrameLoader.StoredCropSize)
    {
        IFaceDetector detector = settings.DetectorModelPath.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)
            ? new YuNetFaceDetector(new YuNetFaceDetectorOptions { ModelPath = settings.DetectorModelPath })
            : new CascadeFaceDetector(new CascadeFaceDetectorOptions { ModelPath = settings.DetectorModelPath });
        try
        {
            var predictor = DlibShapePredictor.FromFile(settings.LandmarksModelPath);
            var aligner = new FaceAligner(new FaceAlignmentOptions { OutputSize = alignedSize });
            return new FaceCropper(detector, new FaceFrontEnd(detector, predictor, aligner));
        }
        catch
        {
            detector.Dispose();
            throw;
        }
    }

    /// <summary>Aligns the faces of a clip of RGB frames; null when no frame has a face.</summary>
    public CroppedClip? CropClip(IReadOnlyList<Mat> rgbFrames, int size, CancellationToken cancellationToken)
    {
        using var alignment = FrontEnd.ProcessClip(rgbFrames, ChannelOrder.Rgb, cancellationToken);
        if (alignment.IsFaceless)
            return null;
        var frameCount = rgbFrames.Count;
        var frameLength = size * size * 3;
        var rgb = new byte[frameCount * frameLength];
        var landmarks = new float[frameCount * LandmarkPoints * 2];
        for (var t = 0; t < frameCount; t++)
        {
            var face = alignment.Frames[t] ?? throw new InvalidOperationException($"Frame {t} of a clip with faces has no aligned face.");
            CopyResized(face.Aligned.Image, size, rgb.AsSpan(t * frameLength, frameLength));
            var scale = (double)size / face.Aligned.Image.Width;
            for (var p = 0; p < LandmarkPoints; p++)
            {
                landmarks[(t * LandmarkPoints + p) * 2] = (float)(face.CropLandmarks[p].X * scale);
                landmarks[(t * LandmarkPoints + p) * 2 + 1] = (float)(face.CropLandmarks[p].Y * scale);
            }
        }
        return new CroppedClip(rgb, landmarks, frameCount, size, frameCount - alignment.FramesWithoutFace);
    }

    /// <summary>Copies an 8-bit 3-channel image, resized to size x size (bicubic) when needed, into <paramref name="target"/>.</summary>
    public static void CopyResized(Mat image, int size, Span<byte> target)
    {
        using var resized = new Mat();
        var source = image;
        if (image.Width != size || image.Height != size)
        {
            Cv2.Resize(image, resized, new Size(size, size), 0, 0, InterpolationFlags.Cubic);
            source = resized;
        }
        using var continuous = source.IsContinuous() ? null : source.Clone();
        var from = continuous ?? source;
        unsafe
        {
            new ReadOnlySpan<byte>((void*)from.Data, size * size * 3).CopyTo(target);
        }
    }

    public void Dispose() => _detector.Dispose();
}

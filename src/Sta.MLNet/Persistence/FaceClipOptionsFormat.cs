
namespace Sta.MLNet;

/// <summary>Writes and reads <see cref="FaceClipOptions"/> inside a stage's model stream (field by field, versioned by the stage).</summary>
internal static class FaceClipOptionsFormat
{
    public static void Write(BinaryWriter writer, FaceClipOptions options)
    {
        var s = options.Sampling;
        writer.Write((int)s.Protocol);
        writer.Write(s.FramesPerClip);
        writer.Write(s.FrameStride);
        writer.Write(s.ClipsPerVideo ?? -1);
        writer.Write(s.SampledFramesPerVideo);
        writer.Write(s.ClipStartSeed.HasValue);
        writer.Write(s.ClipStartSeed ?? 0);
        writer.Write((int)s.ShortVideo);

        writer.Write((int)options.Detector);
        var c = options.Cascade;
        writer.Write(c.ModelPath);
        writer.Write(c.ScaleFactor);
        writer.Write(c.MinNeighbors);
        writer.Write(c.MinFaceSize);
        writer.Write(c.MaxImageSide);
        writer.Write(c.EqualizeHistogram);
        writer.Write(options.YuNet is not null);
        if (options.YuNet is { } y)
        {
            writer.Write(y.ModelPath);
            writer.Write(y.ScoreThreshold);
            writer.Write(y.NmsThreshold);
            writer.Write(y.TopK);
            writer.Write(y.MaxImageSide);
        }

        writer.Write(options.ShapePredictorPath);
        writer.Write(options.AlignmentSize);
        writer.Write(options.AlignmentScale);
        writer.Write((int)options.AlignmentPrecision);
        writer.Write(options.ClipSize);
        writer.Write(options.SearchNearPreviousFace);
        writer.Write(options.SearchRegionScale);
        writer.Write(options.SearchFaceSize);
        writer.Write(options.FirstFrameSearchSide);
        writer.Write((int)options.FacelessClips);
    }

    public static FaceClipOptions Read(BinaryReader reader)
    {
        var protocol = (ClipSamplingProtocol)reader.ReadInt32();
        var framesPerClip = reader.ReadInt32();
        var stride = reader.ReadInt32();
        var clipsPerVideo = reader.ReadInt32();
        var sampled = reader.ReadInt32();
        var hasSeed = reader.ReadBoolean();
        var seed = reader.ReadInt32();
        var shortVideo = (ShortVideoPolicy)reader.ReadInt32();
        var sampling = new ClipSamplingOptions
        {
            Protocol = protocol, FramesPerClip = framesPerClip, FrameStride = stride,
            ClipsPerVideo = clipsPerVideo < 0 ? null : clipsPerVideo, SampledFramesPerVideo = sampled,
            ClipStartSeed = hasSeed ? seed : null, ShortVideo = shortVideo,
        };

        var detector = (FaceDetectorKind)reader.ReadInt32();
        string cascadePath = reader.ReadString();
        double scaleFactor = reader.ReadDouble();
        int minNeighbors = reader.ReadInt32(), minFaceSize = reader.ReadInt32(), cascadeMaxSide = reader.ReadInt32();
        bool equalize = reader.ReadBoolean();
        string? yuNetPath = null;
        float scoreThreshold = 0.9f, nmsThreshold = 0.3f;
        int topK = 5000, yuNetMaxSide = cascadeMaxSide;
        if (reader.ReadBoolean())
        {
            yuNetPath = reader.ReadString();
            scoreThreshold = reader.ReadSingle();
            nmsThreshold = reader.ReadSingle();
            topK = reader.ReadInt32();
            yuNetMaxSide = reader.ReadInt32();
        }

        // The format names the detector kind and keeps a detector size per kind; the options have one size, that of the
        // detector in use, and use YuNet exactly when its model path is set.
        if (!Enum.IsDefined(detector))
            throw new InvalidDataException($"Saved face clip options name an unknown face detector ({(int)detector}).");
        if (detector == FaceDetectorKind.YuNet && yuNetPath is null)
            throw new InvalidDataException("Saved face clip options ask for the YuNet detector without its model path.");
        if (detector == FaceDetectorKind.Cascade) yuNetPath = null;
        var options = new FaceClipOptions
        {
            Sampling = sampling,
            CascadeModelPath = cascadePath, CascadeScaleFactor = scaleFactor, CascadeMinNeighbors = minNeighbors,
            CascadeMinFaceSize = minFaceSize, CascadeEqualizeHistogram = equalize,
            YuNetModelPath = yuNetPath, YuNetScoreThreshold = scoreThreshold, YuNetNmsThreshold = nmsThreshold, YuNetTopK = topK,
            DetectorMaxImageSide = detector == FaceDetectorKind.YuNet ? yuNetMaxSide : cascadeMaxSide,
            ShapePredictorPath = reader.ReadString(), AlignmentSize = reader.ReadInt32(), AlignmentScale = reader.ReadDouble(),
            AlignmentPrecision = (SimilarityPrecision)reader.ReadInt32(), ClipSize = reader.ReadInt32(),
            SearchNearPreviousFace = reader.ReadBoolean(), SearchRegionScale = reader.ReadDouble(), SearchFaceSize = reader.ReadInt32(),
            FirstFrameSearchSide = reader.ReadInt32(),
            FacelessClips = (FacelessClipHandling)reader.ReadInt32(),
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"Saved face clip options are invalid: {e.Message}", e);
        }
        return options;
    }
}

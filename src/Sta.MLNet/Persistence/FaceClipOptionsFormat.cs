
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
        writer.Write(options.FrontEnd.SearchNearPreviousFace);
        writer.Write(options.FrontEnd.SearchRegionScale);
        writer.Write(options.FrontEnd.SearchFaceSize);
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
        var cascade = new CascadeFaceDetectorOptions
        {
            ModelPath = reader.ReadString(), ScaleFactor = reader.ReadDouble(), MinNeighbors = reader.ReadInt32(),
            MinFaceSize = reader.ReadInt32(), MaxImageSide = reader.ReadInt32(), EqualizeHistogram = reader.ReadBoolean(),
        };
        YuNetFaceDetectorOptions? yuNet = null;
        if (reader.ReadBoolean())
        {
            yuNet = new YuNetFaceDetectorOptions
            {
                ModelPath = reader.ReadString(), ScoreThreshold = reader.ReadSingle(), NmsThreshold = reader.ReadSingle(),
                TopK = reader.ReadInt32(), MaxImageSide = reader.ReadInt32(),
            };
        }

        var options = new FaceClipOptions
        {
            Sampling = sampling, Detector = detector, Cascade = cascade, YuNet = yuNet,
            ShapePredictorPath = reader.ReadString(), AlignmentSize = reader.ReadInt32(), AlignmentScale = reader.ReadDouble(),
            AlignmentPrecision = (SimilarityPrecision)reader.ReadInt32(), ClipSize = reader.ReadInt32(),
            FrontEnd = new FaceFrontEndOptions
            {
                SearchNearPreviousFace = reader.ReadBoolean(), SearchRegionScale = reader.ReadDouble(), SearchFaceSize = reader.ReadInt32(),
            },
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

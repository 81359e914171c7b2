using Microsoft.ML;
using Microsoft.ML.Data;
using Sta.MLNet;
using Sta.MLNet.Tests.Pipelines;
using Sta.MLNet.Tests.Video;

namespace Sta.MLNet.Tests.Clips;

public class VideoClipLoaderTests
{
    // Four frames per clip keep the repeated passes of the estimator checks short.
    private static readonly FaceClipOptions FourFrames = new()
    {
        Sampling = ClipSamplingOptions.Consecutive with { FramesPerClip = 4 },
    };

    public sealed class VideoRow
    {
        public string VideoPath { get; set; } = "";
        public int Which { get; set; }
    }

    public sealed class BadRow
    {
        public int VideoPath { get; set; }
        public int Which { get; set; }
    }

    public sealed class ClipRow
    {
        [VectorType(4, 3, 224, 224)] public float[] Clip { get; set; } = [];
        [VectorType(4, 68, 2)] public float[] Landmarks { get; set; } = [];
        public int ClipIndex { get; set; }
        public int FirstFrame { get; set; }
        public int FacesFound { get; set; }
        public bool IsFaceless { get; set; }
    }

    private static VideoClipLoaderOptions Options(FaceClipOptions? frontEnd = null) => new()
    {
        ClipIndexColumnName = "Which", FrontEnd = frontEnd ?? FourFrames,
    };

    [Fact]
    public void PassesTheEstimatorChecks()
    {
        var ml = new MLContext(seed: 1);
        var valid = ml.Data.LoadFromEnumerable(new[]
        {
            new VideoRow { VideoPath = TestVideos.FaceMotionH264, Which = 0 },
            new VideoRow { VideoPath = TestVideos.FaceMotionH264, Which = 5 },
        });
        var invalid = ml.Data.LoadFromEnumerable(new[] { new BadRow { VideoPath = 1 } });
        var result = EstimatorChecks.Check<ITransformer, VideoRow, ClipRow>(ml, ml.ExtractFaceClip(Options()), valid, invalid);
        Assert.IsType<VideoClipLoadingTransformer>(result.Reloaded);

        var rows = ml.Data.CreateEnumerable<ClipRow>(result.Transformed, reuseRowObject: false).ToList();
        Assert.Equal([0, 5], rows.Select(r => r.ClipIndex));
        Assert.Equal([0, 20], rows.Select(r => r.FirstFrame));
        Assert.All(rows, r => Assert.Equal(4, r.FacesFound));
        Assert.All(rows, r => Assert.False(r.IsFaceless));
        var schema = result.Transformed.Schema;
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 4, 3, 224, 224), schema["Clip"].Type);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 4, 68, 2), schema["Landmarks"].Type);
    }

    [Fact]
    public void SavedStageKeepsEveryOption()
    {
        var ml = new MLContext(seed: 1);
        var options = new VideoClipLoaderOptions
        {
            PathColumnName = "File",
            ClipIndex = 3,
            Columns = new VideoClipColumns { Clip = "Pixels", Landmarks = "Points", FacesFound = "Faces" },
            FrontEnd = new FaceClipOptions
            {
                Sampling = new ClipSamplingOptions
                {
                    Protocol = ClipSamplingProtocol.Consecutive, FramesPerClip = 6, FrameStride = 2, ClipsPerVideo = 3,
                    SampledFramesPerVideo = 24, ClipStartSeed = 11, ShortVideo = ShortVideoPolicy.Mirror,
                },
                CascadeModelPath = FaceModelPaths.HaarFrontalFaceDefault, CascadeScaleFactor = 1.2, CascadeMinNeighbors = 4,
                CascadeMinFaceSize = 30, CascadeEqualizeHistogram = true, DetectorMaxImageSide = 480,
                YuNetModelPath = "/models/yunet.onnx", YuNetScoreThreshold = 0.8f, YuNetNmsThreshold = 0.4f, YuNetTopK = 100,
                ShapePredictorPath = "/models/shape_predictor_81_face_landmarks.dat",
                AlignmentSize = 224, AlignmentScale = 1.25, AlignmentPrecision = SimilarityPrecision.Double, ClipSize = 112,
                SearchNearPreviousFace = false, SearchRegionScale = 2.5, SearchFaceSize = 80,
                FirstFrameSearchSide = 200,
                FacelessClips = FacelessClipHandling.EmitBlack,
            },
        };
        var transformer = ml.ExtractFaceClip(options).Fit(ml.Data.LoadFromEnumerable(new[] { new { File = "x.mp4" } }.Select(r => new FileRow { File = r.File })));
        using var stream = new MemoryStream();
        var input = ml.Data.LoadFromEnumerable(new[] { new FileRow { File = "x.mp4" } });
        ml.Model.Save(transformer, input.Schema, stream);
        stream.Position = 0;
        var fresh = new MLContext(seed: 2);
        var reloaded = Assert.IsType<VideoClipLoadingTransformer>(StaMLNet.LoadModel(fresh, stream, out _));
        var saved = reloaded.Options;
        Assert.Equal(options.PathColumnName, saved.PathColumnName);
        Assert.Null(saved.ClipIndexColumnName);
        Assert.Equal(3, saved.ClipIndex);
        Assert.Equal(options.Columns, saved.Columns);
        Assert.Equal(options.FrontEnd, saved.FrontEnd);
        Assert.Equal(options.FrontEnd.Cascade, saved.FrontEnd.Cascade);
        Assert.Equal(options.FrontEnd.YuNet, saved.FrontEnd.YuNet);
        Assert.Equal(options.FrontEnd.Sampling, saved.FrontEnd.Sampling);
    }

    public sealed class FileRow
    {
        public string File { get; set; } = "";
    }

    [Fact]
    public void RowToRowFailuresThrowTypedExceptions()
    {
        var ml = new MLContext(seed: 1);
        var transformer = ml.ExtractFaceClip(Options()).Fit(ml.Data.LoadFromEnumerable(new[] { new VideoRow() }));
        using var engine = ml.Model.CreatePredictionEngine<VideoRow, ClipRow>(transformer);
        Assert.ThrowsAny<VideoDecodeException>(() => engine.Predict(new VideoRow { VideoPath = "/nonexistent.mp4" }));
        Assert.ThrowsAny<VideoDecodeException>(() => engine.Predict(new VideoRow { VideoPath = TestVideos.TextFileNamedMp4 }));
        Assert.Throws<VideoTooShortException>(() => engine.Predict(new VideoRow { VideoPath = TestVideos.ThreeFrameH264 }));
        Assert.Throws<ClipIndexOutOfRangeException>(() => engine.Predict(new VideoRow { VideoPath = TestVideos.FaceMotionH264, Which = 12 }));
        Assert.Throws<ClipIndexOutOfRangeException>(() => engine.Predict(new VideoRow { VideoPath = TestVideos.FaceMotionH264, Which = -1 }));
        Assert.Throws<FacelessClipException>(() => engine.Predict(new VideoRow { VideoPath = FaceClipVideos.NoFace }));
        // The engine still works after failures.
        Assert.Equal(4, engine.Predict(new VideoRow { VideoPath = TestVideos.FaceMotionH264, Which = 1 }).FacesFound);
    }

    [Fact]
    public void ChainsWithTheDetectorInput()
    {
        // ExtractFaceClip -> NormalizeClip is not needed: the clip column already has the detector's input type.
        var ml = new MLContext(seed: 1);
        var pipeline = ml.ExtractFaceClip(Options()).Append(ml.Transforms.CopyColumns("Copy", "Clip"));
        var data = ml.Data.LoadFromEnumerable(new[] { new VideoRow { VideoPath = TestVideos.FaceMotionH264, Which = 2 } });
        var output = pipeline.Fit(data).Transform(data);
        var rows = EstimatorChecks.ReadAll(output, [output.Schema["Clip"], output.Schema["Copy"]]);
        Assert.Equal(rows[0][0], rows[0][1]);
    }
}

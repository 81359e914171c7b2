using System.Diagnostics;
using Sta.MLNet;
using Xunit.Abstractions;

namespace Sta.MLNet.Tests.Faces;

public class FaceModelFileTests
{
    private readonly ITestOutputHelper _output;

    public FaceModelFileTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void MissingDebianShapePredictorNamesThePackage()
    {
        var path = Path.Combine(Path.GetTempPath(), "sta-no-such-dir", "shape_predictor_68_face_landmarks.dat");
        var error = Assert.Throws<FaceModelNotFoundException>(() => ShapePredictorModel.Load(path));
        Assert.Equal(path, error.FileName);
        Assert.Contains("libdlib-data", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Missing81PointModelSaysItIsNotPackaged()
    {
        var path = "/usr/share/dlib/shape_predictor_81_face_landmarks.dat";
        var error = Assert.Throws<FaceModelNotFoundException>(() => DlibShapePredictor.FromFile(path));
        Assert.Contains("81", error.Message);
        Assert.Contains("not packaged", error.Message);
    }

    [Fact]
    public void MissingCascadeNamesOpenCvData()
    {
        var path = "/usr/share/opencv4/haarcascades/no_such_cascade.xml";
        var error = Assert.Throws<FaceModelNotFoundException>(() => new CascadeFaceDetector(new CascadeFaceDetectorOptions { ModelPath = path }));
        Assert.Contains("opencv-data", error.Message);
    }

    [Fact]
    public void MissingYuNetModelIsReported()
    {
        var path = Path.Combine(Path.GetTempPath(), "sta-no-such-dir", "face_detection_yunet_2023mar.onnx");
        var error = Assert.Throws<FaceModelNotFoundException>(() => new YuNetFaceDetector(new YuNetFaceDetectorOptions { ModelPath = path }));
        Assert.Contains("YuNet", error.Message);
    }

    [Fact]
    public void BrokenYuNetFileIsInvalidData()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sta-broken-{Guid.NewGuid():N}.onnx");
        File.WriteAllText(path, "not an onnx model");
        try
        {
            var error = Assert.Throws<InvalidDataException>(() => new YuNetFaceDetector(new YuNetFaceDetectorOptions { ModelPath = path }));
            Assert.Contains(path, error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TruncatedShapePredictorIsInvalidData()
    {
        var bytes = new byte[4096];
        using (var stream = File.OpenRead(FaceModelPaths.DlibShapePredictor68))
            stream.ReadExactly(bytes);
        var error = Assert.Throws<InvalidDataException>(() => ShapePredictorModel.Parse(bytes, "truncated.dat"));
        Assert.Contains("truncated.dat", error.Message);
        Assert.Contains("end of file", error.Message);
    }

    [Fact]
    public void WrongSerialisationVersionIsInvalidData()
    {
        // Version 2 as a dlib integer: control byte (1 magnitude byte), then 0x02.
        var error = Assert.Throws<InvalidDataException>(() => ShapePredictorModel.Parse([0x01, 0x02], "v2.dat"));
        Assert.Contains("version", error.Message);
    }

    [Fact]
    public void ModelIsLoadedOncePerPathAcrossThreads()
    {
        var stopwatch = Stopwatch.StartNew();
        var models = new ShapePredictorModel[4];
        Parallel.For(0, models.Length, i => models[i] = ShapePredictorModel.LoadCached(FaceModelPaths.DlibShapePredictor68));
        _output.WriteLine($"cached load (first use in this process if not yet loaded): {stopwatch.ElapsedMilliseconds} ms");
        Assert.All(models, m => Assert.Same(models[0], m));
        Assert.Same(models[0], ShapePredictorModel.LoadCached());
        Assert.Equal(68, models[0].PartCount);
    }
}

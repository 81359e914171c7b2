using Microsoft.ML;
using Sta.MLNet.Data;
using Sta.MLNet.MLNet;
using Sta.MLNet.Onnx;
using Sta.MLNet.Samples.Quickstart;

namespace Sta.MLNet.Tests.Onnx;

/// <summary>
/// The Quickstart's model, trained as samples/Quickstart/Program.cs trains it (its DemoSettings: the same photos, clips,
/// blending, trainer options and seeds, so deterministic), its held-out set (real clips of other camera paths + their
/// VB fakes) and its float32 and int8 ONNX exports. Shared by the tests of a class.
/// </summary>
public sealed class QuickstartModel : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public QuickstartModel()
    {
        DemoSettings.RequirePhotos();
        Context = new MLContext(seed: 1) { FallbackToCpu = true };
        var ml = Context;
        var train = ml.Data.Cache(ml.LoadPhotoMotionClips(DemoSettings.Videos(firstMotionSeed: 0, count: 8), DemoSettings.Motion));
        var heldOutReal = ml.Data.Cache(ml.LoadPhotoMotionClips(DemoSettings.Videos(firstMotionSeed: 100, count: 3), DemoSettings.Motion));
        var trainer = ml.StaTrainer(DemoSettings.Trainer());
        Model = trainer.Fit(train);
        HeldOut = ml.Data.Cache(ml.AddVideoBlendedFakes(heldOutReal, DemoSettings.HeldOutBlending));
        Float32Path = Path.Combine(_folder.Path, "quickstart.onnx");
        Int8Path = Path.Combine(_folder.Path, "quickstart-int8.onnx");
        StaOnnxExporter.Export(Model, Float32Path);
        StaOnnxExporter.Export(Model, Int8Path, new StaOnnxExportOptions { Int8 = true });
    }

    public MLContext Context { get; }

    public StaDetectionTransformer Model { get; }

    public IDataView HeldOut { get; }

    public string Float32Path { get; }

    public string Int8Path { get; }

    public void Dispose()
    {
        Model.ReleaseNetwork();
        _folder.Dispose();
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;
using Sta.MLNet;
using Sta.MLNet.Onnx;
using Sta.MLNet.Tests.Quickstart;
using Xunit.Abstractions;

namespace Sta.MLNet.Tests.Onnx;

/// <summary>
/// The Quickstart's trained model exported to ONNX: float32 scores like the TorchSharp stage on the held-out clips, in
/// ONNX Runtime directly and in an ML.NET pipeline (ApplyOnnxModel + the adapter, saved and loaded); int8 within the
/// bounds below, its P(fake) change and AUC change reported.
/// </summary>
[Collection(QuickstartModelCollection.Name)]
public sealed class QuickstartOnnxTests(QuickstartModel quickstart, ITestOutputHelper output) : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>The Quickstart's model exported (tiny: well under a second), float32 or int8.</summary>
    private string Export(bool int8)
    {
        var path = Path.Combine(_folder.Path, int8 ? "quickstart-int8.onnx" : "quickstart.onnx");
        StaOnnxExporter.Export(quickstart.Detector, path, new StaOnnxExportOptions { Int8 = int8 });
        return path;
    }

    private (float[] Score, float[] Probability, float[][] Clips, bool[] Labels) Reference()
    {
        var scored = quickstart.Detector.Transform(quickstart.HeldOut);
        return (scored.GetColumn<float>("Score").ToArray(), scored.GetColumn<float>("Probability").ToArray(),
            quickstart.HeldOut.GetColumn<VBuffer<float>>("Clip").Select(c => c.DenseValues().ToArray()).ToArray(),
            quickstart.HeldOut.GetColumn<bool>("Label").ToArray());
    }

    private static (float[] Score, float[] Probability) OnnxScores(string path, float[][] clips)
    {
        using var model = StaOnnxModel.Load(path, intraOpThreads: 1);
        var results = new (float Score, float Probability)[clips.Length];
        model.ScoreBatch(clips, clips.Length, results);
        return (results.Select(r => r.Score).ToArray(), results.Select(r => r.Probability).ToArray());
    }

    [Fact]
    public void Float32ExportScoresTheHeldOutClipsLikeTheTorchSharpStage()
    {
        var (score, probability, clips, _) = Reference();
        var (onnxScore, onnxProbability) = OnnxScores(Export(int8: false), clips);
        double scoreDiff = TensorDifference.MaxAbs(onnxScore, score), probabilityDiff = TensorDifference.MaxAbs(onnxProbability, probability);
        output.WriteLine($"{clips.Length} held-out clips: Score max |diff| {scoreDiff:E2}, Probability max |diff| {probabilityDiff:E2}");
        Assert.Equal(24, clips.Length);
        Assert.True(scoreDiff <= 1e-4, $"Score differs by {scoreDiff:E3}");
        Assert.True(probabilityDiff <= 1e-4, $"Probability differs by {probabilityDiff:E3}");
    }

    [Fact]
    public void AnMLNetPipelineWithApplyOnnxModelGivesTheTorchSharpStagesColumnsAndSurvivesSaveAndLoad()
    {
        var ml = quickstart.Context;
        var (score, probability, _, labels) = Reference();
        var pipeline = ml.ApplyStaOnnxModel(Export(int8: false));
        var model = pipeline.Fit(quickstart.HeldOut);
        var scored = model.Transform(quickstart.HeldOut);
        var onnxScore = scored.GetColumn<float>("Score").ToArray();
        var onnxProbability = scored.GetColumn<float>("Probability").ToArray();
        var predicted = scored.GetColumn<bool>("PredictedLabel").ToArray();
        double scoreDiff = TensorDifference.MaxAbs(onnxScore, score), probabilityDiff = TensorDifference.MaxAbs(onnxProbability, probability);
        var torchMetrics = ml.BinaryClassification.Evaluate(quickstart.Detector.Transform(quickstart.HeldOut));
        var onnxMetrics = ml.BinaryClassification.Evaluate(scored);
        output.WriteLine($"ApplyOnnxModel pipeline: Score max |diff| {scoreDiff:E2}, Probability max |diff| {probabilityDiff:E2}; " +
                         $"AUC {onnxMetrics.AreaUnderRocCurve:F4} (TorchSharp {torchMetrics.AreaUnderRocCurve:F4})");
        Assert.True(scoreDiff <= 1e-4, $"Score differs by {scoreDiff:E3}");
        Assert.True(probabilityDiff <= 1e-4, $"Probability differs by {probabilityDiff:E3}");
        Assert.Equal(score.Select(s => s > 0), predicted);
        Assert.Equal(torchMetrics.AreaUnderRocCurve, onnxMetrics.AreaUnderRocCurve, 6);
        Assert.Equal(24, labels.Length);

        // Saved with ML.NET (the ONNX model travels inside the zip) and loaded in a fresh context.
        var fresh = new MLContext(seed: 9);
        StaOnnxCatalog.Register(fresh);
        ITransformer reloaded;
        using (var stream = new MemoryStream())
        {
            ml.Model.Save(model, quickstart.HeldOut.Schema, stream);
            stream.Position = 0;
            reloaded = fresh.Model.Load(stream, out _);
        }
        Assert.Equal(onnxScore, reloaded.Transform(quickstart.HeldOut).GetColumn<float>("Score").ToArray());
    }

    [Fact]
    public void Int8ExportStaysWithinTheBoundsOnTheHeldOutSet()
    {
        var (_, probability, clips, labels) = Reference();
        string fp32Path = Export(int8: false), int8Path = Export(int8: true);
        var (_, int8Probability) = OnnxScores(int8Path, clips);
        double maxChange = TensorDifference.MaxAbs(int8Probability, probability);
        double meanChange = int8Probability.Zip(probability, (a, b) => Math.Abs((double)a - b)).Average();
        double auc = Auc(probability, labels), int8Auc = Auc(int8Probability, labels);
        long fp32Bytes = new FileInfo(fp32Path).Length, int8Bytes = new FileInfo(int8Path).Length;
        output.WriteLine($"int8 vs TorchSharp float32 on {clips.Length} held-out clips: max |dP(fake)| {maxChange:F4}, mean {meanChange:F4}; " +
                         $"clip AUC {int8Auc:F4} vs {auc:F4} (change {int8Auc - auc:+0.0000;-0.0000}); files {int8Bytes:N0} vs {fp32Bytes:N0} bytes");
        Assert.True(maxChange <= 0.02, $"int8 moved P(fake) by up to {maxChange:F4} (bound 0.02)");
        Assert.True(Math.Abs(int8Auc - auc) <= 0.02, $"int8 changed the held-out AUC by {int8Auc - auc:F4} (bound 0.02)");
    }

    private static double Auc(float[] probability, bool[] labels) =>
        DetectionMetrics.Compute(probability.Select(p => (double)p).ToList(), labels).Auc;
}

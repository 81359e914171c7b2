using Sta.MLNet;
using Sta.MLNet.Onnx;
using Sta.MLNet.Tests.Network;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Sta.MLNet.Tests.Onnx;

/// <summary>
/// The exported float32 graph on ONNX Runtime against the TorchSharp network and against the official PyTorch outputs
/// of every parity fixture case (each case's cross-attention semantics exported as such), logits within the fixture's
/// output tolerance (1e-4).
/// </summary>
public class OnnxParityTests(ITestOutputHelper output)
{
    public static TheoryData<ParityCase> Cases()
    {
        var data = new TheoryData<ParityCase>();
        foreach (var c in ParityCase.All()) data.Add(c);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ExportedGraphMatchesTorchSharpAndTheOfficialOutputs(ParityCase testCase)
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "sta.onnx");
        float[] input, torchLogits, torchProbability;
        long[] shape;
        using (var detector = StaCheckpoint.LoadDetector(testCase.CheckpointPath, testCase.Options))
        {
            StaOnnxExporter.Export(detector, path, new StaOnnxExportOptions { BatchSemantics = testCase.Semantics });
            using var scope = NewDisposeScope();
            using var guard = no_grad();
            var clips = FixtureTensors.Get(testCase.TensorsPath, testCase.Input);
            using var result = detector.forward(clips);
            shape = clips.shape;
            input = clips.data<float>().ToArray();
            torchLogits = result.Logits.data<float>().ToArray();
            torchProbability = result.Probability.data<float>().ToArray();
        }
        var expectedLogits = Host(testCase.TensorsPath, testCase.Outputs["logits"]);
        var expectedProbability = Host(testCase.TensorsPath, testCase.Outputs["prob"]);

        var (logits, probability) = OnnxRun.Network(path, input, shape);

        var failures = new List<string>();
        void Compare(string what, float[] actual, float[] expected, double tolerance)
        {
            var diff = TensorDifference.MaxAbs(actual, expected);
            output.WriteLine($"{testCase.Name}: {what}: max |diff| = {diff:E2} (tolerance {tolerance:E0})");
            if (!(diff <= tolerance)) failures.Add($"{what}: max |diff| {diff:E3} > {tolerance:E1}");
        }
        Compare("logits vs TorchSharp", logits, torchLogits, 1e-4);
        Compare("probability vs TorchSharp", probability, torchProbability, 1e-4);
        Compare("logits vs official PyTorch", logits, expectedLogits, testCase.OutputTolerance);
        Compare("probability vs official PyTorch", probability, expectedProbability, testCase.OutputTolerance);
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    private static float[] Host(string tensorsPath, string name)
    {
        using var scope = NewDisposeScope();
        return FixtureTensors.Get(tensorsPath, name).data<float>().ToArray();
    }
}

using Microsoft.ML.OnnxRuntime;

namespace Sta.MLNet.Tests.Onnx;

/// <summary>Runs an exported model directly on ONNX Runtime (one thread, so results do not depend on the machine's cores).</summary>
internal static class OnnxRun
{
    public static (float[] Logits, float[] Probability) Network(string path, float[] clips, long[] shape)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(path, options);
        using var input = OrtValue.CreateTensorValueFromMemory(clips, shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["clips"], [input], ["logits", "probability"]);
        return (outputs[0].GetTensorDataAsSpan<float>().ToArray(), outputs[1].GetTensorDataAsSpan<float>().ToArray());
    }
}

internal static class TensorDifference
{
    public static double MaxAbs(float[] actual, float[] expected)
    {
        if (actual.Length != expected.Length) return double.PositiveInfinity;
        double max = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double diff = Math.Abs((double)actual[i] - expected[i]);
            if (double.IsNaN(diff)) return double.NaN;
            max = Math.Max(max, diff);
        }
        return max;
    }
}

/// <summary>A folder under the temp directory, deleted with everything in it on dispose.</summary>
internal sealed class TemporaryFolder : IDisposable
{
    public TemporaryFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "sta-onnx-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}

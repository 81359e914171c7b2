using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Sta.MLNet.Onnx.Export;
using Sta.MLNet;

namespace Sta.MLNet.Onnx;

/// <summary>
/// An exported StA network on ONNX Runtime (CPU): scores CLIP-normalised clips [T, 3, H, W], alone or in batches, and
/// makes a <see cref="StaVideoScorer"/> with the library's face front end. Uses ONNX Runtime only: libtorch is never
/// loaded, so it runs where only ONNX Runtime's and OpenCV's natives are installed. Thread-safe; dispose it to free the
/// session.
/// </summary>
public sealed class StaOnnxModel : IDisposable
{
    private readonly InferenceSession _session;
    private readonly int _classes;
    private readonly string[] _outputNames = [StaOnnxGraphWriter.LogitsName, StaOnnxGraphWriter.ProbabilityName];

    private StaOnnxModel(InferenceSession session, string path, int frames, int resolution, int classes)
    {
        _session = session;
        Path = path;
        FramesPerClip = frames;
        InputResolution = resolution;
        _classes = classes;
        Metadata = session.ModelMetadata.CustomMetadataMap.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
    }

    /// <summary>The file the model was loaded from.</summary>
    public string Path { get; }

    /// <summary>Frames per clip T of the model's input.</summary>
    public int FramesPerClip { get; }

    /// <summary>Frame side H = W in pixels of the model's input.</summary>
    public int InputResolution { get; }

    /// <summary>Floats per clip: T·3·H·W.</summary>
    public int ClipLength => FramesPerClip * 3 * InputResolution * InputResolution;

    /// <summary>Whether the export quantized the linear layers to int8 (from the model's metadata).</summary>
    public bool IsInt8 => Metadata.TryGetValue(StaOnnxMetadata.Weights, out var weights) && weights == "int8";

    /// <summary>The model's metadata (<c>sta.*</c> entries describe the exported network).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Loads an ONNX file and checks that it has the input and outputs of an exported StA network.</summary>
    /// <param name="path">The .onnx file.</param>
    /// <param name="intraOpThreads">ONNX Runtime's threads per call; 0 (default) lets it use one per physical core.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="StaOnnxModelException">ONNX Runtime cannot load the file, or its input/outputs do not fit.</exception>
    public static StaOnnxModel Load(string path, int intraOpThreads = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfNegative(intraOpThreads);
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX model not found: {path}", path);
        InferenceSession session;
        using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL })
        {
            if (intraOpThreads > 0) options.IntraOpNumThreads = intraOpThreads;
            try
            {
                session = new InferenceSession(path, options);
            }
            catch (OnnxRuntimeException error)
            {
                throw new StaOnnxModelException($"ONNX Runtime cannot load {path}: {error.Message}", error);
            }
        }
        try
        {
            var (frames, resolution, classes) = CheckSignature(session, path);
            return new StaOnnxModel(session, path, frames, resolution, classes);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static (int Frames, int Resolution, int Classes) CheckSignature(InferenceSession session, string path)
    {
        string Describe(IReadOnlyDictionary<string, NodeMetadata> values) =>
            string.Join(", ", values.Select(v => $"{v.Key} {v.Value.ElementDataType} [{string.Join(", ", v.Value.Dimensions)}]"));
        StaOnnxModelException Mismatch(string what) => new(
            $"{path} is not a StA network: {what} (inputs: {Describe(session.InputMetadata)}; outputs: {Describe(session.OutputMetadata)}). " +
            "Expected input clips float [batch, T, 3, H, H], outputs logits float [batch, classes] and probability float [batch].");

        if (session.InputMetadata.Count != 1 || !session.InputMetadata.TryGetValue(StaOnnxGraphWriter.InputName, out var input))
            throw Mismatch($"it needs exactly one input, '{StaOnnxGraphWriter.InputName}'");
        var dims = input.Dimensions;
        if (input.ElementDataType != TensorElementType.Float || dims.Length != 5 || dims[1] <= 0 || dims[2] != 3 || dims[3] <= 0 || dims[4] != dims[3])
            throw Mismatch($"input '{StaOnnxGraphWriter.InputName}' has the wrong type or shape");
        if (!session.OutputMetadata.TryGetValue(StaOnnxGraphWriter.LogitsName, out var logits) || logits.ElementDataType != TensorElementType.Float ||
            logits.Dimensions.Length != 2 || logits.Dimensions[1] < 2)
            throw Mismatch($"output '{StaOnnxGraphWriter.LogitsName}' is missing or not [batch, classes >= 2]");
        if (!session.OutputMetadata.TryGetValue(StaOnnxGraphWriter.ProbabilityName, out var probability) ||
            probability.ElementDataType != TensorElementType.Float || probability.Dimensions.Length != 1)
            throw Mismatch($"output '{StaOnnxGraphWriter.ProbabilityName}' is missing or not [batch]");
        return (dims[1], dims[3], logits.Dimensions[1]);
    }

    /// <summary>Scores one clip [T, 3, H, W]: Score = logit(fake) − logit(real), Probability = P(fake).</summary>
    /// <exception cref="ArgumentException">The clip has the wrong length.</exception>
    /// <exception cref="InvalidDataException">The clip holds NaN or infinite values.</exception>
    public (float Score, float Probability) ScoreClip(ReadOnlySpan<float> clip)
    {
        var results = new (float, float)[1];
        ScoreBatch([clip.ToArray()], 1, results);
        return results[0];
    }

    /// <summary>Scores the first <paramref name="count"/> clips in one ONNX Runtime call.</summary>
    internal void ScoreBatch(float[][] clips, int count, (float Score, float Probability)[] results)
    {
        int length = ClipLength;
        var batch = new float[(long)count * length];
        for (int i = 0; i < count; i++)
        {
            var clip = clips[i];
            if (clip.Length != length)
                throw new ArgumentException($"A clip has {clip.Length} values; {System.IO.Path.GetFileName(Path)} takes {FramesPerClip}x3x{InputResolution}x{InputResolution} = {length}.");
            foreach (var value in clip)
            {
                if (!float.IsFinite(value)) throw new InvalidDataException("A clip holds NaN or infinite values; refusing to score garbage.");
            }
            Array.Copy(clip, 0, batch, (long)i * length, length);
        }
        using var input = OrtValue.CreateTensorValueFromMemory(batch, [count, FramesPerClip, 3, InputResolution, InputResolution]);
        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, [StaOnnxGraphWriter.InputName], [input], _outputNames);
        var logits = outputs[0].GetTensorDataAsSpan<float>();
        var probability = outputs[1].GetTensorDataAsSpan<float>();
        if (logits.Length != count * _classes || probability.Length != count)
            throw new InvalidOperationException($"The ONNX model returned {logits.Length} logits and {probability.Length} probabilities for {count} clips.");
        for (int i = 0; i < count; i++)
            results[i] = (logits[i * _classes + 1] - logits[i * _classes], probability[i]);
    }

    /// <summary>
    /// A video scorer on this model with the library's face front end (decode, faces, alignment, normalisation). The
    /// front end's clip shape must be the model's (<see cref="FramesPerClip"/>, <see cref="InputResolution"/>); by default
    /// it is set to it. The model must stay undisposed while the scorer runs.
    /// </summary>
    /// <exception cref="StaOnnxModelException">The front end makes clips of another shape.</exception>
    public StaVideoScorer CreateVideoScorer(VideoScoringOptions? options = null)
    {
        options ??= new VideoScoringOptions
        {
            FrontEnd = new FaceClipOptions
            {
                ClipSize = InputResolution,
                Sampling = ClipSamplingOptions.DeepfakeBench with { FramesPerClip = FramesPerClip },
            },
        };
        if (options.FrontEnd is { } frontEnd && (frontEnd.FramesPerClip != FramesPerClip || frontEnd.ClipSize != InputResolution))
            throw new StaOnnxModelException(
                $"{Path} takes clips of {FramesPerClip} frames of {InputResolution} px; the front end makes {frontEnd.FramesPerClip} frames of {frontEnd.ClipSize} px.");
        return new StaVideoScorer(FramesPerClip, InputResolution, options, frontEnds: null, ScoreBatch);
    }

    /// <summary>Frees the ONNX Runtime session.</summary>
    public void Dispose() => _session.Dispose();
}

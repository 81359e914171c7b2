// The consumer test's ONNX deployment (build/consumer-test.sh):
//   score <dir>   <dir> holds what tests/Consumer's fit wrote (test.idv, scores.txt: the TorchSharp model's Score of
//                 each test clip) and that model exported by the sta tool (model.onnx, model-int8.onnx). Scores the
//                 clips with ApplyOnnxModel (ML.NET) and with StaOnnxModel (ONNX Runtime directly): float32 within
//                 1e-4 of the TorchSharp scores, int8 within 0.05 in P(fake); libtorch never loaded.
// Exit code 0 when every check holds, 1 otherwise; one line per check on stdout.
using System.Globalization;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using Sta.MLNet.Onnx;

if (args.Length != 2 || args[0] != "score")
{
    Console.Error.WriteLine("usage: ConsumerOnnx score <dir>");
    return 2;
}
var folder = args[1];
var mlnet = typeof(ModelSaveContext).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
var expected = File.ReadAllLines(Path.Combine(folder, "scores.txt")).Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray();
var ml = new MLContext(seed: 1);
var test = ml.Data.LoadFromBinary(Path.Combine(folder, "test.idv"));
int failures = 0;

void Check(string what, bool ok, string detail)
{
    Console.WriteLine($"onnx: ML.NET {mlnet}: {what}: {detail}: {(ok ? "ok" : "FAILED")}");
    if (!ok) failures++;
}

static double Sigmoid(double score) => 1 / (1 + Math.Exp(-score));

foreach (var (file, int8) in new[] { ("model.onnx", false), ("model-int8.onnx", true) })
{
    var path = Path.Combine(folder, file);
    var scored = ml.ApplyStaOnnxModel(path).Fit(test).Transform(test);
    var scores = scored.GetColumn<float>("Score").ToArray();
    var probability = scored.GetColumn<float>("Probability").ToArray();
    var clips = test.GetColumn<VBuffer<float>>("Clip").Select(c => c.DenseValues().ToArray()).ToArray();
    using var model = StaOnnxModel.Load(path, intraOpThreads: 1);
    var direct = clips.Select(c => model.ScoreClip(c).Probability).ToArray();
    bool sameCount = scores.Length == expected.Length && scores.Length > 0;
    double scoreDiff = sameCount ? scores.Zip(expected, (a, b) => Math.Abs((double)a - b)).Max() : double.PositiveInfinity;
    double probabilityDiff = sameCount ? probability.Zip(expected, (a, b) => Math.Abs(a - Sigmoid(b))).Max() : double.PositiveInfinity;
    double directDiff = direct.Zip(probability, (a, b) => Math.Abs((double)a - b)).Max();
    var name = $"{file} ({(model.IsInt8 ? "int8" : "float32")}) on {scores.Length} test clips";
    if (int8)
        Check(name, probabilityDiff <= 0.05, $"ApplyOnnxModel P(fake) max |diff| {probabilityDiff:F4} from the TorchSharp model (bound 0.05)");
    else
        Check(name, scoreDiff <= 1e-4, $"ApplyOnnxModel Score max |diff| {scoreDiff:E2} from the TorchSharp model (bound 1e-4)");
    Check(name, directDiff <= 1e-5, $"StaOnnxModel.ScoreClip P(fake) max |diff| {directDiff:E2} from ApplyOnnxModel");
}

var natives = File.ReadAllLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "")
    .Where(p => p.StartsWith('/')).Select(Path.GetFileName).Distinct().ToList();
var torch = natives.Where(n => n!.Contains("torch", StringComparison.OrdinalIgnoreCase)).ToList();
Check("natives", torch.Count == 0 && natives.Any(n => n!.StartsWith("libonnxruntime", StringComparison.Ordinal)),
    $"ONNX Runtime loaded from the package, libtorch {(torch.Count == 0 ? "not loaded" : "loaded: " + string.Join(", ", torch))}");
return failures == 0 ? 0 : 1;

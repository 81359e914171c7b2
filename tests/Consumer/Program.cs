// The consumer test's application (build/consumer-test.sh): Sta.MLNet as a user's app gets it from the packages.
//   fit <dir>                 photo clips -> StaTrainer (Tiny) -> Transform -> Evaluate + EvaluateDetection -> Model.Save;
//                             writes <dir>/model.zip, the test clips (<dir>/test.idv) and their scores (<dir>/scores.txt)
//   score <dir>               in a new process: LoadStaModel -> the same test clips -> scores identical to fit's
//   reference <json>          loads the models saved under other ML.NET versions that <json> lists; probe scores as recorded
//   probe <model.zip>         prints the probe clip's Score and Probability (for recording a new reference model)
// Exit code 0 when every check holds, 1 otherwise; one line per check on stdout.
using System.Globalization;
using System.IO.Compression;
using System.Reflection;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Sta.MLNet;

var mlnet = typeof(ModelSaveContext).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
var mode = args.Length == 2 ? args[0] : "";
return mode switch
{
    "fit" => Checks.Fit(args[1], mlnet),
    "score" => Checks.Score(args[1], mlnet),
    "reference" => Checks.Reference(args[1], mlnet),
    "probe" => Checks.PrintProbe(args[1]),
    _ => Checks.Usage(),
};

internal static class Checks
{
    private const string Photo = "/usr/share/doc/opencv-doc/examples/data/messi5.jpg";
    private static readonly PhotoMotionOptions Motion = new() { FaceSize = 32, FrameCount = 8 };

    public static int Usage()
    {
        Console.Error.WriteLine("usage: Consumer fit|score <dir> | reference <mlnet-versions.json> | probe <model.zip>");
        return 2;
    }

    private static IEnumerable<PhotoVideo> Videos(int firstSeed, int count) =>
        Enumerable.Range(firstSeed, count).Select(seed => new PhotoVideo(Photo, $"messi_{seed}", (ulong)seed, ClipCount: 2));

    public static int Fit(string folder, string mlnet)
    {
        Directory.CreateDirectory(folder);
        var ml = new MLContext(seed: 1);
        var train = ml.Data.Cache(ml.LoadPhotoMotionClips(Videos(0, 4), Motion));
        var test = ml.Data.Cache(ml.AddVideoBlendedFakes(ml.LoadPhotoMotionClips(Videos(100, 2), Motion),
            new VideoBlendingDataOptions { Seed = 77 }));

        var trainer = ml.StaTrainer(new StaTrainer.Options
        {
            Network = StaPresets.Tiny,
            // Adapter tuning on a random frozen backbone, asked for explicitly (there are no CLIP weights at this size).
            AllowRandomBackbone = true,
            VideoBlending = VideoBlendingMode.RealAndBlended,
            Epochs = 2,
            BatchSize = 4,
            LearningRate = 1e-3,
            Augment = false,
            Seed = 5,
        });
        var model = trainer.Fit(train);
        var scored = model.Transform(test);
        var metrics = ml.BinaryClassification.Evaluate(scored);
        var detection = ml.EvaluateDetection(scored);
        var modelPath = Path.Combine(folder, "model.zip");
        ml.Model.Save(model, train.Schema, modelPath);
        using (var stream = File.Create(Path.Combine(folder, "test.idv")))
            ml.Data.SaveAsBinary(test, stream);
        var scores = scored.GetColumn<float>("Score").ToArray();
        File.WriteAllLines(Path.Combine(folder, "scores.txt"), scores.Select(Exact));
        var (probeScore, probeProbability) = Probe(ml, model);
        Console.WriteLine($"fit: ML.NET {mlnet}: trained Tiny on {trainer.LastResult!.StepLosses.Count} steps, scored {scores.Length} test clips " +
            $"(ML.NET AUC {F(metrics.AreaUnderRocCurve)}, clip EER {F(detection.Clip.Eer)}, {detection.Video.Count} videos), saved {modelPath}; " +
            $"probe Score {Exact(probeScore)} Probability {Exact(probeProbability)}");
        return scores.Length == 8 && detection.Video.Count == 4 && scores.All(float.IsFinite) ? 0 : Fail("fit: unexpected scores");
    }

    public static int Score(string folder, string mlnet)
    {
        var ml = new MLContext(seed: 2);
        var model = ml.LoadStaModel(Path.Combine(folder, "model.zip"), out _);
        var test = ml.Data.LoadFromBinary(Path.Combine(folder, "test.idv"));
        var scores = model.Transform(test).GetColumn<float>("Score").Select(Exact).ToArray();
        var expected = File.ReadAllLines(Path.Combine(folder, "scores.txt"));
        if (!scores.SequenceEqual(expected))
            return Fail($"score: ML.NET {mlnet}: the reloaded model scores [{string.Join(", ", scores)}], the fitted one [{string.Join(", ", expected)}]");
        Console.WriteLine($"score: ML.NET {mlnet}: model loaded in a new process scores all {scores.Length} test clips identically");
        return 0;
    }

    public static int Reference(string jsonPath, string mlnet)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(jsonPath));
        int failures = 0;
        foreach (var entry in json.RootElement.GetProperty("models").EnumerateArray())
        {
            var file = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!, entry.GetProperty("file").GetString()!);
            var savedBy = entry.GetProperty("savedBy").GetString()!;
            var recorded = RecordedMLNetVersion(file);
            var (score, probability) = Probe(new MLContext(seed: 3), new MLContext(seed: 3).LoadStaModel(file, out _));
            var (expectedScore, expectedProbability) = (entry.GetProperty("score").GetSingle(), entry.GetProperty("probability").GetSingle());
            bool ok = recorded == savedBy && Math.Abs(score - expectedScore) <= 1e-5 && Math.Abs(probability - expectedProbability) <= 1e-5;
            Console.WriteLine($"reference: ML.NET {mlnet}: {Path.GetFileName(file)} (saved by ML.NET {recorded}) probe Score {Exact(score)} " +
                $"Probability {Exact(probability)}, recorded {Exact(expectedScore)} {Exact(expectedProbability)}: {(ok ? "ok" : "MISMATCH")}");
            if (!ok) failures++;
        }
        return failures == 0 ? 0 : Fail($"reference: {failures} model(s) did not load as recorded");
    }

    public static int PrintProbe(string modelPath)
    {
        var ml = new MLContext(seed: 3);
        var (score, probability) = Probe(ml, ml.LoadStaModel(modelPath, out _));
        Console.WriteLine($"probe: Score {Exact(score)} Probability {Exact(probability)} (saved by ML.NET {RecordedMLNetVersion(modelPath)})");
        return 0;
    }

    /// <summary>The probe clip x_i = sin(0.01 i) through the model (Tiny: 8 x 3 x 32 x 32 values).</summary>
    private static (float Score, float Probability) Probe(MLContext ml, ITransformer model)
    {
        var clip = Enumerable.Range(0, ProbeRow.Length).Select(i => (float)Math.Sin(i * 0.01)).ToArray();
        var scored = model.Transform(ml.Data.LoadFromEnumerable([new ProbeRow { Clip = clip }]));
        return (scored.GetColumn<float>("Score").Single(), scored.GetColumn<float>("Probability").Single());
    }

    /// <summary>The ML.NET release a model file was saved by (ML.NET writes it into every model).</summary>
    private static string RecordedMLNetVersion(string modelPath)
    {
        using var zip = ZipFile.OpenRead(modelPath);
        using var reader = new StreamReader(zip.GetEntry("TrainingInfo/Version.txt")!.Open());
        return reader.ReadToEnd().Trim().Split('+')[0];
    }

    private static int Fail(string message)
    {
        Console.WriteLine($"FAILED {message}");
        return 1;
    }

    private static string Exact(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string F(double value) => value.ToString("F3", CultureInfo.InvariantCulture);
}

internal sealed class ProbeRow
{
    public const int Length = 8 * 3 * 32 * 32;

    [VectorType(8, 3, 32, 32)]
    public float[] Clip { get; set; } = [];
}

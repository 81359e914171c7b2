using System.Text;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Sta.MLNet;

namespace Sta.MLNet.Tests.Persistence;

/// <summary>Models saved in earlier formats (Persistence/Formats, see its README) load with their options and scores.</summary>
public class FormatCompatibilityTests
{
    private static string FormatFile(string name) => Path.Combine(AppContext.BaseDirectory, "Persistence", "Formats", name);

    [Fact]
    public void A_detection_model_of_format_00010001_loads_with_its_options_and_scores_as_when_saved()
    {
        var ml = new MLContext(seed: 1);
        var model = StaMLNet.LoadModel(ml, FormatFile("sta-detection-00010001.zip"), out _);
        var detector = Assert.IsType<StaDetectionTransformer>(model);
        try
        {
            var options = detector.Options;
            Assert.Equal("FakeScore", options.ScoreColumnName);
            Assert.Equal("Frames", options.FeaturesColumnName);
            Assert.Equal(3, options.BatchSize);
            Assert.True(options.UseBf16OnCuda);
            Assert.False(options.UseBf16OnCpu); // the field did not exist in this format
            Assert.False(detector.UsesBf16);

            var network = StaPresets.Tiny;
            int length = network.NumFrames * 3 * network.InputResolution * network.InputResolution;
            var clip = Enumerable.Range(0, length).Select(i => (float)Math.Sin(i * 0.01)).ToArray();
            var (score, probability) = detector.ScoreClip(clip);
            Assert.Equal(-0.033893697, score, 1e-5);
            Assert.Equal(0.4915274, probability, 1e-5);
        }
        finally
        {
            detector.ReleaseNetwork();
        }
    }

    public static TheoryData<string> ModelsOfOtherMLNetVersions() =>
        new(ReadMLNetVersions().RootElement.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("file").GetString()!));

    private static JsonDocument ReadMLNetVersions() => JsonDocument.Parse(File.ReadAllText(FormatFile("mlnet-versions.json")));

    [Theory]
    [MemberData(nameof(ModelsOfOtherMLNetVersions))]
    public void A_model_saved_under_each_verified_MLNet_release_loads_and_scores_as_recorded(string file)
    {
        using var versions = ReadMLNetVersions();
        var entry = versions.RootElement.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("file").GetString() == file);
        var zip = new ModelZip(File.ReadAllBytes(FormatFile(file)));
        Assert.Equal(entry.GetProperty("savedBy").GetString(), Encoding.UTF8.GetString(zip["TrainingInfo/Version.txt"]).Trim().Split('+')[0]);

        var ml = new MLContext(seed: 1);
        var model = StaMLNet.LoadModel(ml, FormatFile(file), out var schema);
        var detector = Assert.IsType<StaDetectionTransformer>(model);
        try
        {
            Assert.Equal(StaPresets.Tiny.Width, detector.Detector.Options.Width);
            Assert.Equal(StaPresets.Tiny.InputResolution, detector.Detector.Options.InputResolution);
            var scored = model.Transform(ml.Data.LoadFromEnumerable([new ProbeRow { Clip = ProbeRow.Values() }]));
            Assert.Equal(entry.GetProperty("score").GetSingle(), scored.GetColumn<float>("Score").Single(), 1e-5);
            Assert.Equal(entry.GetProperty("probability").GetSingle(), scored.GetColumn<float>("Probability").Single(), 1e-5);
            Assert.Contains(schema, column => column.Name == "Landmarks");
        }
        finally
        {
            detector.ReleaseNetwork();
        }
    }

    private sealed class ProbeRow
    {
        [VectorType(8, 3, 32, 32)]
        public float[] Clip { get; set; } = [];

        public static float[] Values() => Enumerable.Range(0, 8 * 3 * 32 * 32).Select(i => (float)Math.Sin(i * 0.01)).ToArray();
    }

    [Fact]
    public void Cpu_bf16_is_saved_and_loaded_and_scores_close_to_float32()
    {
        var ml = new MLContext(seed: 1);
        var detector = Assert.IsType<StaDetectionTransformer>(StaMLNet.LoadModel(ml, FormatFile("sta-detection-00010001.zip"), out var schema));
        try
        {
            var network = StaPresets.Tiny;
            int length = network.NumFrames * 3 * network.InputResolution * network.InputResolution;
            var clip = Enumerable.Range(0, length).Select(i => (float)Math.Cos(i * 0.003)).ToArray();
            var (fp32, _) = detector.ScoreClip(clip);

            detector.SetBf16(onCuda: true, onCpu: true);
            Assert.True(detector.UsesBf16);
            var (bf16, _) = detector.ScoreClip(clip);
            Assert.NotEqual(fp32, bf16);
            Assert.Equal(fp32, bf16, 0.05);

            using var stream = new MemoryStream();
            ml.Model.Save(detector, schema, stream);
            stream.Position = 0;
            var reloaded = Assert.IsType<StaDetectionTransformer>(StaMLNet.LoadModel(ml, stream, out _));
            try
            {
                Assert.True(reloaded.Options.UseBf16OnCpu);
                Assert.True(reloaded.UsesBf16);
                Assert.Equal(bf16, reloaded.ScoreClip(clip).Score);
                reloaded.SetBf16(onCuda: false, onCpu: false);
                Assert.False(reloaded.UsesBf16);
                Assert.Equal(fp32, reloaded.ScoreClip(clip).Score, 1e-6);
            }
            finally
            {
                reloaded.ReleaseNetwork();
            }
        }
        finally
        {
            detector.ReleaseNetwork();
        }
    }
}

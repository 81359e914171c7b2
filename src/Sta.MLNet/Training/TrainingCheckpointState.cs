using System.Text.Json;

namespace Sta.MLNet;

/// <summary>The position and history of a training run, saved beside the weights for exact resume.</summary>
internal sealed class TrainingCheckpointState
{
    public int FormatVersion { get; set; } = 1;
    public string Fingerprint { get; set; } = "";
    public int Epoch { get; set; }
    public long ExamplesConsumedInEpoch { get; set; }
    public long StepInEpoch { get; set; }
    public double EpochLossSum { get; set; }
    public long GlobalStep { get; set; }
    public List<double> StepLosses { get; set; } = [];
    public Dictionary<int, double> ValidationAucs { get; set; } = [];
    public int? BestEpoch { get; set; }
    public double? BestAuc { get; set; }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    public static TrainingCheckpointState Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<TrainingCheckpointState>(File.ReadAllText(path))
                   ?? throw new InvalidDataException($"Empty training state file {path}.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Corrupt training state file {path}: {e.Message}", e);
        }
    }
}

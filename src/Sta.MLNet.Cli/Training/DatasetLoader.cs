using Sta.MLNet.Cli.Infrastructure;
using Sta.MLNet.Cli.Preprocessing;
using Sta.MLNet.Data;

namespace Sta.MLNet.Cli.Training;

/// <summary>Reads a DeepfakeBench dataset JSON split with the CLI's label rules (<see cref="DatasetLabels"/>).</summary>
internal static class DatasetLoader
{
    public static DeepfakeBenchDataset Load(string jsonPath, string split, string compression, string? frameRoot)
    {
        CommonOptions.RequireFile(jsonPath, "Dataset JSON");
        var splitValue = split switch
        {
            "train" => DatasetSplit.Train,
            "val" => DatasetSplit.Val,
            "test" => DatasetSplit.Test,
            _ => throw new UsageException($"Unknown split '{split}' (train, val, test)."),
        };
        var dataset = DeepfakeBenchDataset.Load(jsonPath, new DeepfakeBenchOptions
        {
            Split = splitValue,
            Compression = compression,
            FrameRoot = frameRoot,
            LabelMapping = DatasetLabels.MappingFor(jsonPath),
        });
        if (dataset.Videos.Count == 0) throw new UsageException($"{jsonPath} has no videos in split '{split}'.");
        return dataset;
    }
}

namespace Sta.MLNet;

/// <summary>The splits of a DeepfakeBench dataset JSON (keys "train", "val", "test").</summary>
public enum DatasetSplit
{
    Train,
    Val,
    Test,
}

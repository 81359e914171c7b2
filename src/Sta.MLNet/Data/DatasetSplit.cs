namespace Sta.MLNet;

/// <summary>The splits of a DeepfakeBench dataset JSON (keys "train", "val", "test").</summary>
public enum DatasetSplit
{
    /// <summary>The "train" split.</summary>
    Train,
    /// <summary>The "val" (validation) split.</summary>
    Val,
    /// <summary>The "test" split.</summary>
    Test,
}

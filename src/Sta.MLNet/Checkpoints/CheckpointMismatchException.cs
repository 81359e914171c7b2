namespace Sta.MLNet;

/// <summary>
/// A checkpoint does not fit the network it is loaded into. Lists every missing, unexpected and mis-shaped key at once,
/// so a wrong file or a wrong preset is diagnosed in one go; nothing has been copied into the network when this is thrown.
/// </summary>
public sealed class CheckpointMismatchException : StaException
{
    /// <param name="source">The file (or description) of the checkpoint.</param>
    /// <param name="missing">Keys the network has and the checkpoint lacks.</param>
    /// <param name="unexpected">Keys the checkpoint has and the network lacks.</param>
    /// <param name="misShaped">Keys whose shapes differ, as "key: checkpoint [shape] vs network [shape]".</param>
    public CheckpointMismatchException(string source, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected,
        IReadOnlyList<string> misShaped)
        : base(BuildMessage(source, missing, unexpected, misShaped))
    {
        CheckpointSource = source;
        MissingKeys = missing;
        UnexpectedKeys = unexpected;
        MisShapedKeys = misShaped;
    }

    /// <summary>The file (or description) of the checkpoint.</summary>
    public string CheckpointSource { get; }

    /// <summary>Keys the network has and the checkpoint lacks (official key names).</summary>
    public IReadOnlyList<string> MissingKeys { get; }

    /// <summary>Keys the checkpoint has and the network lacks.</summary>
    public IReadOnlyList<string> UnexpectedKeys { get; }

    /// <summary>Entries "key: checkpoint [shape] vs network [shape]".</summary>
    public IReadOnlyList<string> MisShapedKeys { get; }

    private static string BuildMessage(string source, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> misShaped)
    {
        var text = new System.Text.StringBuilder();
        text.Append($"Checkpoint {source} does not match the network: {missing.Count} missing, {unexpected.Count} unexpected, {misShaped.Count} mis-shaped key(s). ");
        text.Append("Check that the preset matches the checkpoint (e.g. Official for sta_best.pth).");
        void List(string title, IReadOnlyList<string> keys)
        {
            if (keys.Count == 0) return;
            text.AppendLine().Append(title).Append(':');
            foreach (var key in keys) text.AppendLine().Append("  ").Append(key);
        }
        List("Missing", missing);
        List("Unexpected", unexpected);
        List("Mis-shaped", misShaped);
        return text.ToString();
    }
}

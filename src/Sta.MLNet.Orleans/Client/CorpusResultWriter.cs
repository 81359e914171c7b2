namespace Sta.MLNet.Orleans;

/// <summary>
/// Writes job results in the layouts of <c>sta score</c>: JSON Lines of <c>sta.score/1</c> video objects, and the
/// per-clip CSV with the same columns (docs/cli.md).
/// </summary>
public static class CorpusResultWriter
{
    /// <summary>The CSV header, the same as <c>sta score --csv</c>.</summary>
    public static IReadOnlyList<string> CsvHeader { get; } = ScoreCsv.Header;

    /// <summary>One line: the result's video object.</summary>
    public static void WriteJsonLine(TextWriter writer, VideoResult result)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(result);
        writer.WriteLine(result.Json);
    }

    /// <summary>The header line of <see cref="CsvHeader"/>.</summary>
    public static void WriteCsvHeader(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteLine(ScoreCsv.HeaderLine);
    }

    /// <summary>The result's CSV rows: one per clip, or one for a video without clips.</summary>
    /// <exception cref="InvalidDataException">The result's JSON is not a <c>sta.score/1</c> video object.</exception>
    public static void WriteCsvRows(TextWriter writer, VideoResult result)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(result);
        foreach (var line in ScoreCsv.Lines(ScoreJson.ReadVideo(result.Json))) writer.WriteLine(line);
    }
}

namespace Sta.MLNet.Cli.Infrastructure;

/// <summary>Plain text tables: columns padded to their widest cell, a rule under the header.</summary>
public static class Table
{
    public static void Write(TextWriter output, IReadOnlyList<string[]> rows)
    {
        if (rows.Count == 0) return;
        var columns = rows.Max(r => r.Length);
        var widths = new int[columns];
        foreach (var row in rows)
            for (var c = 0; c < row.Length; c++)
                widths[c] = Math.Max(widths[c], row[c].Length);
        for (var i = 0; i < rows.Count; i++)
        {
            output.WriteLine(string.Join("  ", rows[i].Select((cell, c) => c == rows[i].Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd());
            if (i == 0) output.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        }
    }
}

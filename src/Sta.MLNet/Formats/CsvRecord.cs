using System.Text;

namespace Sta.MLNet.Formats;

/// <summary>
/// One CSV record on one line (RFC 4180 without line breaks inside fields): commas separate fields, a field that starts
/// with a double quote (after blanks) runs to its closing quote, and <c>""</c> inside quotes is one quote. Shared by every
/// reader of video lists, so the library, the CLI and the cluster read a manifest the same way.
/// </summary>
internal static class CsvRecord
{
    /// <exception cref="FormatException">A quoted field is not closed on the line.</exception>
    public static List<string> Split(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c != '"')
                    field.Append(c);
                else if (i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else
                    quoted = false;
            }
            else if (c == '"' && field.ToString().Trim().Length == 0)
            {
                field.Clear();
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
                field.Append(c);
        }
        if (quoted) throw new FormatException($"an unterminated quoted field: {line}");
        fields.Add(field.ToString());
        return fields;
    }
}

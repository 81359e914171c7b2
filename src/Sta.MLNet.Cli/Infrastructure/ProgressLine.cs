using System.Diagnostics;

namespace Sta.MLNet.Cli.Infrastructure;

/// <summary>
/// A progress indicator for long work. On a terminal it redraws one line ("label [#####.....] 3/8 item, 0:12");
/// when the output is redirected (a log file, a test) it writes one plain line per step instead, so logs stay
/// readable and nothing depends on carriage returns.
/// </summary>
public sealed class ProgressLine : IDisposable
{
    private const int BarWidth = 24;
    private readonly TextWriter _writer;
    private readonly bool _interactive;
    private readonly string _label;
    private readonly int? _total;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _lastLength;
    private bool _lineOpen;

    public ProgressLine(TextWriter writer, bool interactive, string label, int? total)
    {
        _writer = writer;
        _interactive = interactive;
        _label = label;
        _total = total;
    }

    /// <summary>Reports that <paramref name="done"/> items are finished; <paramref name="detail"/> names the last one.</summary>
    public void Report(int done, string detail)
    {
        var elapsed = _clock.Elapsed;
        var counter = _total is { } total ? $"{done}/{total}" : $"{done}";
        if (!_interactive)
        {
            _writer.WriteLine($"{_label} {counter} {detail}");
            return;
        }
        var bar = _total is { } t && t > 0
            ? "[" + new string('#', (int)Math.Round(BarWidth * Math.Min(1.0, (double)done / t))).PadRight(BarWidth, '.') + "] "
            : "";
        var text = $"{_label} {bar}{counter} {detail} ({elapsed:m\\:ss})";
        var padding = _lastLength > text.Length ? new string(' ', _lastLength - text.Length) : "";
        _writer.Write("\r" + text + padding);
        _writer.Flush();
        _lastLength = text.Length;
        _lineOpen = true;
    }

    /// <summary>Writes a message on its own line without breaking the progress line.</summary>
    public void Message(string message)
    {
        EndLine();
        _writer.WriteLine(message);
    }

    public void Dispose() => EndLine();

    private void EndLine()
    {
        if (!_lineOpen) return;
        _writer.WriteLine();
        _lineOpen = false;
        _lastLength = 0;
    }
}

using Sta.MLNet.Cli.Infrastructure;

namespace Sta.MLNet.Cli.Tests;

public sealed class ProgressLineTests
{
    [Fact]
    public void Redirected_output_gets_one_plain_line_per_step()
    {
        using var writer = new StringWriter();
        using (var progress = new ProgressLine(writer, interactive: false, "scoring", 3))
        {
            progress.Report(1, "a.mp4");
            progress.Report(2, "b.mp4");
        }
        Assert.Equal(["scoring 1/3 a.mp4", "scoring 2/3 b.mp4"], writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("\r", writer.ToString());
    }

    [Fact]
    public void A_terminal_gets_one_redrawn_line_with_a_bar_closed_by_a_newline()
    {
        using var writer = new StringWriter();
        using (var progress = new ProgressLine(writer, interactive: true, "scoring", 4))
        {
            progress.Report(1, "a.mp4");
            progress.Report(4, "b.mp4");
        }
        var text = writer.ToString();
        Assert.StartsWith("\rscoring [######..................] 1/4 a.mp4", text);
        Assert.Contains("\rscoring [########################] 4/4 b.mp4", text);
        Assert.EndsWith(Environment.NewLine, text);
        Assert.Single(text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }
}

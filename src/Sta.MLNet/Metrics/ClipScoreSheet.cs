using Microsoft.ML;
using Microsoft.ML.Data;
using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>
/// A picture of detector scores a person can read at a glance: one row per clip with a caption (title, true label,
/// P(fake)), a few of its frames, and a bar from 0 to 1 filled up to P(fake) with the threshold marked; a row's frame
/// is green when the decision at the threshold matches the label, red when it does not, grey when the label is
/// unknown. With both classes present, a panel on the right shows the clip-level ROC curve and its AUC.
/// </summary>
internal static class ClipScoreSheet
{
    private const int CaptionWidth = 170;
    private const int BarWidth = 150;
    private const int Margin = 6;
    private const int RocSide = 240;
    private static readonly Scalar Background = new(24, 24, 24);
    private static readonly Scalar Text = new(235, 235, 235);
    private static readonly Scalar Right = new(60, 190, 60);
    private static readonly Scalar Wrong = new(230, 60, 50);
    private static readonly Scalar Unknown = new(130, 130, 130);

    /// <summary>
    /// Draws the first <paramref name="maxRows"/> rows of a scored data view (see <see cref="ReadScoredClips"/> for the
    /// columns it reads) and writes the sheet to <paramref name="path"/> (PNG recommended).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    /// <exception cref="IOException">OpenCV could not write the file.</exception>
    public static void Write(string path, IDataView scored, int maxRows = 32, string clipColumnName = "Clip",
        string probabilityColumnName = "Probability", string? labelColumnName = "Label", string? titleColumnName = "VideoId")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Write(path, ReadScoredClips(scored, maxRows, clipColumnName, probabilityColumnName, labelColumnName, titleColumnName));
    }

    /// <summary>Draws <paramref name="clips"/> and writes the sheet to <paramref name="path"/> (PNG recommended).</summary>
    /// <exception cref="IOException">OpenCV could not write the file.</exception>
    internal static void Write(string path, IReadOnlyList<ScoredClip> clips, ClipScoreSheetOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var rgb = Render(clips, options);
        using var bgr = new Mat();
        Cv2.CvtColor(rgb, bgr, ColorConversionCodes.RGB2BGR);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        if (!Cv2.ImWrite(path, bgr)) throw new IOException($"OpenCV could not write the score sheet {path} (unsupported extension?).");
    }

    /// <summary>The sheet as an RGB <see cref="Mat"/> (caller disposes).</summary>
    internal static Mat Render(IReadOnlyList<ScoredClip> clips, ClipScoreSheetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(clips);
        if (clips.Count == 0) throw new ArgumentException("There are no clips to draw.", nameof(clips));
        options ??= new ClipScoreSheetOptions();
        options.Validate();
        foreach (var clip in clips)
        {
            ArgumentNullException.ThrowIfNull(clip, nameof(clips));
            if (!float.IsFinite(clip.Probability) || clip.Probability is < 0 or > 1)
                throw new ArgumentException($"Clip '{clip.Title}' has probability {clip.Probability}; expected a value in [0, 1].", nameof(clips));
        }
        var rows = Math.Min(clips.Count, options.MaxRows);
        var shown = clips.Take(rows).Max(c => Math.Min(options.FramesShown, c.Frames.FrameCount));
        var tile = options.TileSize;
        var rowHeight = Math.Max(tile, 44) + Margin;
        var tableWidth = CaptionWidth + shown * (tile + 2) + Margin + BarWidth + 2 * Margin;
        var labels = clips.Where(c => c.Label is not null).Select(c => c.Label!.Value).ToList();
        var roc = options.IncludeRoc && labels.Count == clips.Count && labels.Contains(true) && labels.Contains(false);
        var width = tableWidth + (roc ? RocSide + 3 * Margin : 0);
        var height = Math.Max(rows * rowHeight + Margin + 22, roc ? RocSide + 60 : 0);
        var sheet = new Mat(height, width, MatType.CV_8UC3, Background);
        try
        {
            Put(sheet, $"P(fake) per clip, threshold {options.Threshold:0.##}" + (clips.Count > rows ? $" (first {rows} of {clips.Count})" : ""),
                new Point(Margin, 15), 0.45);
            for (var r = 0; r < rows; r++)
                DrawRow(sheet, clips[r], options, new Point(Margin, 22 + r * rowHeight), shown, rowHeight - Margin);
            if (roc) DrawRoc(sheet, clips, new Point(tableWidth + 2 * Margin, 22));
            return sheet;
        }
        catch
        {
            sheet.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads scored clips from a data view: the clip column (CLIP-normalised [T, 3, H, W], denormalised back to bytes
    /// for display), P(fake), the label (Boolean, or Single/Double &gt; 0 = fake) when present and a text title column
    /// when present. At most <paramref name="maxRows"/> rows are read, in cursor order.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    internal static IReadOnlyList<ScoredClip> ReadScoredClips(IDataView scored, int maxRows = 32, string clipColumnName = "Clip",
        string probabilityColumnName = "Probability", string? labelColumnName = "Label", string? titleColumnName = "VideoId")
    {
        ArgumentNullException.ThrowIfNull(scored);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRows);
        var schema = scored.Schema;
        var (clipColumn, frames, height, width) = NormalizedClipColumn.Require(schema, clipColumnName, nameof(scored));
        var probabilityColumn = schema.GetColumnOrNull(probabilityColumnName) ?? throw new ArgumentOutOfRangeException(nameof(scored), $"Could not find column '{probabilityColumnName}'.");
        if (probabilityColumn.Type != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(scored), $"Column '{probabilityColumnName}' must be Single; got {probabilityColumn.Type}.");
        var labelColumn = labelColumnName is null ? null : schema.GetColumnOrNull(labelColumnName);
        var titleColumn = titleColumnName is null ? null : schema.GetColumnOrNull(titleColumnName);
        if (titleColumn is { Type: not TextDataViewType }) titleColumn = null;
        var columns = new List<DataViewSchema.Column> { clipColumn, probabilityColumn };
        if (labelColumn is { } l) columns.Add(l);
        if (titleColumn is { } t) columns.Add(t);

        var result = new List<ScoredClip>();
        using var cursor = scored.GetRowCursor(columns);
        var clipGetter = cursor.GetGetter<VBuffer<float>>(clipColumn);
        var probabilityGetter = cursor.GetGetter<float>(probabilityColumn);
        var labelGetter = labelColumn is { } lc ? MLNet.BinaryLabel.CreateReader(cursor, lc) : null;
        var titleGetter = titleColumn is { } tc ? cursor.GetGetter<ReadOnlyMemory<char>>(tc) : null;
        VBuffer<float> clip = default;
        float probability = 0;
        ReadOnlyMemory<char> title = default;
        while (result.Count < maxRows && cursor.MoveNext())
        {
            clipGetter(ref clip);
            probabilityGetter(ref probability);
            titleGetter?.Invoke(ref title);
            result.Add(new ScoredClip(NormalizedClipColumn.ToRgb(clip, frames, height, width), probability, labelGetter?.Invoke(), titleGetter is null ? $"clip {result.Count}" : title.ToString()));
        }
        return result;
    }

    private static void DrawRow(Mat sheet, ScoredClip clip, ClipScoreSheetOptions options, Point origin, int shown, int height)
    {
        var decidedFake = clip.Probability > options.Threshold;
        var status = clip.Label is { } label ? (label == decidedFake ? Right : Wrong) : Unknown;
        var tile = options.TileSize;
        var tableRight = origin.X + CaptionWidth + shown * (tile + 2) + Margin + BarWidth;
        Cv2.Rectangle(sheet, new Rect(origin.X - 3, origin.Y - 2, tableRight - origin.X + 6, height + 4), status, 2);

        var title = clip.Title.Length > 22 ? clip.Title[..21] + "~" : clip.Title;
        Put(sheet, title, new Point(origin.X + 2, origin.Y + 14), 0.42);
        var truth = clip.Label switch { true => "fake", false => "real", null => "?" };
        Put(sheet, $"label {truth}", new Point(origin.X + 2, origin.Y + 29), 0.4);
        Put(sheet, $"P(fake) {clip.Probability:0.000}", new Point(origin.X + 2, origin.Y + 44), 0.4, status);

        var frames = clip.Frames;
        var count = Math.Min(shown, frames.FrameCount);
        for (var i = 0; i < count; i++)
        {
            var index = count == 1 ? 0 : (int)Math.Round(i * (frames.FrameCount - 1) / (double)(count - 1));
            using var one = FrameMat(frames, index);
            using var resized = new Mat();
            var enlarge = tile >= Math.Max(frames.Width, frames.Height);
            Cv2.Resize(one, resized, new Size(tile, tile), interpolation: enlarge ? InterpolationFlags.Nearest : InterpolationFlags.Area);
            using var target = new Mat(sheet, new Rect(origin.X + CaptionWidth + i * (tile + 2), origin.Y, tile, tile));
            resized.CopyTo(target);
        }

        var barLeft = origin.X + CaptionWidth + shown * (tile + 2) + Margin;
        var barTop = origin.Y + height / 2 - 8;
        Cv2.Rectangle(sheet, new Rect(barLeft, barTop, BarWidth, 16), new Scalar(70, 70, 70), -1);
        var filled = (int)Math.Round(clip.Probability * BarWidth);
        // Bar colour runs from green (real) to red (fake) with the probability.
        var p = clip.Probability;
        if (filled > 0) Cv2.Rectangle(sheet, new Rect(barLeft, barTop, filled, 16), new Scalar(60 + 170 * p, 190 - 130 * p, 60), -1);
        var tick = barLeft + (int)Math.Round(options.Threshold * BarWidth);
        Cv2.Line(sheet, new Point(tick, barTop - 4), new Point(tick, barTop + 19), Text, 1);
    }

    private static unsafe Mat FrameMat(RgbClip clip, int index)
    {
        var mat = new Mat(clip.Height, clip.Width, MatType.CV_8UC3);
        clip.Frame(index).CopyTo(new Span<byte>((void*)mat.Data, clip.FrameLength));
        return mat;
    }

    private static void DrawRoc(Mat sheet, IReadOnlyList<ScoredClip> clips, Point origin)
    {
        var scores = clips.Select(c => (double)c.Probability).ToList();
        var labels = clips.Select(c => c.Label!.Value).ToList();
        var roc = RocCurve.Compute(scores, labels);
        var auc = DetectionMetrics.Compute(scores, labels).Auc;
        var plot = new Rect(origin.X + 28, origin.Y + 6, RocSide - 34, RocSide - 34);
        Cv2.Rectangle(sheet, plot, new Scalar(90, 90, 90), 1);
        Cv2.Line(sheet, new Point(plot.Left, plot.Bottom), new Point(plot.Right, plot.Top), new Scalar(90, 90, 90), 1, LineTypes.AntiAlias);
        Point At(double fpr, double tpr) => new(plot.Left + (int)Math.Round(fpr * plot.Width), plot.Bottom - (int)Math.Round(tpr * plot.Height));
        for (var k = 1; k < roc.FalsePositiveRates.Length; k++)
            Cv2.Line(sheet, At(roc.FalsePositiveRates[k - 1], roc.TruePositiveRates[k - 1]), At(roc.FalsePositiveRates[k], roc.TruePositiveRates[k]),
                new Scalar(255, 170, 40), 2, LineTypes.AntiAlias);
        Put(sheet, $"ROC, {clips.Count} clips, AUC {auc:0.000}", new Point(origin.X, plot.Bottom + 36), 0.45);
        Put(sheet, "false positive rate", new Point(plot.Left + 30, plot.Bottom + 16), 0.38);
        Put(sheet, "TPR", new Point(origin.X, plot.Top + plot.Height / 2), 0.38);
        Put(sheet, "0", new Point(plot.Left - 10, plot.Bottom + 14), 0.35);
        Put(sheet, "1", new Point(plot.Right - 4, plot.Bottom + 14), 0.35);
        Put(sheet, "1", new Point(plot.Left - 12, plot.Top + 8), 0.35);
    }

    private static void Put(Mat sheet, string text, Point at, double scale, Scalar? colour = null) =>
        Cv2.PutText(sheet, text, at, HersheyFonts.HersheySimplex, scale, colour ?? Text, 1, LineTypes.AntiAlias);
}

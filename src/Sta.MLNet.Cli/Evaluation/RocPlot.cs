using System.Globalization;
using OpenCvSharp;
using Sta.MLNet;

namespace Sta.MLNet.Cli.Evaluation;

/// <summary>Draws ROC curves (false-positive rate on x, true-positive rate on y) into a PNG with OpenCV.</summary>
internal static class RocPlot
{
    public const int Size = 640;
    private const int Left = 70, Right = 20, Top = 40, Bottom = 60;

    /// <summary>One curve: a legend name, its ROC and colour (BGR).</summary>
    public sealed record Series(string Name, RocCurve Curve, double Auc, Scalar Color);

    /// <summary>BGR colours the evaluate verb uses: clips blue, videos red.</summary>
    public static readonly Scalar ClipColor = new(200, 90, 20);
    public static readonly Scalar VideoColor = new(30, 30, 210);

    public static void Write(string path, string title, IReadOnlyList<Series> series)
    {
        using var image = new Mat(Size, Size, MatType.CV_8UC3, Scalar.White);
        var plotWidth = Size - Left - Right;
        var plotHeight = Size - Top - Bottom;
        Point ToPixel(double fpr, double tpr) => new(Left + (int)Math.Round(fpr * plotWidth), Top + (int)Math.Round((1 - tpr) * plotHeight));

        var grid = new Scalar(225, 225, 225);
        var font = HersheyFonts.HersheySimplex;
        for (var i = 0; i <= 5; i++)
        {
            var v = i / 5.0;
            Cv2.Line(image, ToPixel(v, 0), ToPixel(v, 1), grid, 1);
            Cv2.Line(image, ToPixel(0, v), ToPixel(1, v), grid, 1);
            var text = v.ToString("0.0", CultureInfo.InvariantCulture);
            var x = ToPixel(v, 0);
            Cv2.PutText(image, text, new Point(x.X - 12, x.Y + 20), font, 0.45, Scalar.Black, 1, LineTypes.AntiAlias);
            var y = ToPixel(0, v);
            Cv2.PutText(image, text, new Point(y.X - 35, y.Y + 5), font, 0.45, Scalar.Black, 1, LineTypes.AntiAlias);
        }
        Cv2.Rectangle(image, ToPixel(0, 1), ToPixel(1, 0), Scalar.Black, 1);
        // Chance diagonal, dashed.
        for (var i = 0; i < 40; i += 2)
            Cv2.Line(image, ToPixel(i / 40.0, i / 40.0), ToPixel((i + 1) / 40.0, (i + 1) / 40.0), new Scalar(150, 150, 150), 1, LineTypes.AntiAlias);
        Cv2.PutText(image, "false positive rate", new Point(Left + plotWidth / 2 - 80, Size - 18), font, 0.55, Scalar.Black, 1, LineTypes.AntiAlias);
        using (var label = new Mat(30, 200, MatType.CV_8UC3, Scalar.White))
        {
            Cv2.PutText(label, "true positive rate", new Point(5, 20), font, 0.55, Scalar.Black, 1, LineTypes.AntiAlias);
            using var rotated = new Mat();
            Cv2.Rotate(label, rotated, RotateFlags.Rotate90Counterclockwise);
            using var target = new Mat(image, new Rect(2, Top + plotHeight / 2 - 100, 30, 200));
            rotated.CopyTo(target);
        }
        Cv2.PutText(image, title, new Point(Left, 26), font, 0.6, Scalar.Black, 1, LineTypes.AntiAlias);

        var legendY = Top + plotHeight - 20 - 24 * (series.Count - 1);
        foreach (var s in series)
        {
            var points = new List<Point>();
            for (var i = 0; i < s.Curve.FalsePositiveRates.Length; i++)
            {
                var fpr = s.Curve.FalsePositiveRates[i];
                var tpr = s.Curve.TruePositiveRates[i];
                if (double.IsFinite(fpr) && double.IsFinite(tpr)) points.Add(ToPixel(fpr, tpr));
            }
            if (points.Count >= 2)
                Cv2.Polylines(image, [points], isClosed: false, s.Color, 2, LineTypes.AntiAlias);
            var legendX = Left + plotWidth - 230;
            Cv2.Line(image, new Point(legendX, legendY - 5), new Point(legendX + 30, legendY - 5), s.Color, 2, LineTypes.AntiAlias);
            var auc = double.IsFinite(s.Auc) ? s.Auc.ToString("0.0000", CultureInfo.InvariantCulture) : "n/a";
            Cv2.PutText(image, $"{s.Name} (AUC {auc})", new Point(legendX + 38, legendY), font, 0.5, Scalar.Black, 1, LineTypes.AntiAlias);
            legendY += 24;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        if (!Cv2.ImWrite(path, image)) throw new IOException($"OpenCV could not write {path} (use a .png name).");
    }
}

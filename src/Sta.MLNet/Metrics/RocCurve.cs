namespace Sta.MLNet;

/// <summary>
/// A receiver operating characteristic as sklearn 1.2.1's <c>roc_curve(y, s, pos_label=1)</c> returns it: points in
/// order of decreasing threshold, starting at (0, 0) with threshold = max score + 1 (sklearn 1.3+ uses +inf there).
/// With <c>dropIntermediate</c> (sklearn's default) interior points where neither the false- nor the true-positive
/// count changes slope are removed; the EER of DeepfakeBench is read off this thinned curve.
/// </summary>
/// <param name="FalsePositiveRates">fpr; all NaN when there are no negatives.</param>
/// <param name="TruePositiveRates">tpr; all NaN when there are no positives.</param>
/// <param name="Thresholds">Score threshold of each point (a score counts as positive when &gt;= threshold).</param>
internal sealed record RocCurve(double[] FalsePositiveRates, double[] TruePositiveRates, double[] Thresholds)
{
    /// <summary>Computes the ROC of <paramref name="scores"/> (higher = more likely fake) against <paramref name="labels"/> (true = fake).</summary>
    /// <exception cref="ArgumentException">Empty input, different lengths, or a NaN/infinite score.</exception>
    public static RocCurve Compute(IReadOnlyList<double> scores, IReadOnlyList<bool> labels, bool dropIntermediate = true)
    {
        var (fps, tps, thresholds) = BinaryCurve.Counts(scores, labels);
        if (dropIntermediate && fps.Length > 2)
        {
            var keep = new List<int> { 0 };
            for (int k = 1; k < fps.Length - 1; k++)
                if (fps[k - 1] - 2 * fps[k] + fps[k + 1] != 0 || tps[k - 1] - 2 * tps[k] + tps[k + 1] != 0)
                    keep.Add(k);
            keep.Add(fps.Length - 1);
            fps = keep.Select(k => fps[k]).ToArray();
            tps = keep.Select(k => tps[k]).ToArray();
            thresholds = keep.Select(k => thresholds[k]).ToArray();
        }
        double negatives = fps[^1], positives = tps[^1];
        var fpr = new double[fps.Length + 1];
        var tpr = new double[fps.Length + 1];
        var thr = new double[fps.Length + 1];
        thr[0] = thresholds[0] + 1;
        for (int k = 0; k < fps.Length; k++)
        {
            fpr[k + 1] = negatives > 0 ? fps[k] / negatives : double.NaN;
            tpr[k + 1] = positives > 0 ? tps[k] / positives : double.NaN;
            thr[k + 1] = thresholds[k];
        }
        fpr[0] = negatives > 0 ? 0 : double.NaN;
        tpr[0] = positives > 0 ? 0 : double.NaN;
        return new RocCurve(fpr, tpr, thr);
    }

    /// <summary>
    /// Area under the curve by the trapezoidal rule (sklearn <c>auc</c> = numpy <c>trapz</c>, summed pairwise as numpy
    /// does). NaN when a class is missing.
    /// </summary>
    public double Area()
    {
        var x = FalsePositiveRates;
        var y = TruePositiveRates;
        if (x.Length < 2 || x.Any(double.IsNaN) || y.Any(double.IsNaN)) return double.NaN;
        var terms = new double[x.Length - 1];
        for (int i = 0; i < terms.Length; i++)
            terms[i] = (x[i + 1] - x[i]) * (y[i + 1] + y[i]) / 2.0;
        return PairwiseSum.Sum(terms);
    }

    /// <summary>
    /// Equal error rate as DeepfakeBench computes it: fpr at the first point minimising |fnr - fpr| (fnr = 1 - tpr), no
    /// interpolation. NaN when a class is missing.
    /// </summary>
    public (double Eer, int Index) EqualErrorRate()
    {
        int best = -1;
        double bestGap = double.PositiveInfinity;
        for (int i = 0; i < FalsePositiveRates.Length; i++)
        {
            var gap = Math.Abs(1 - TruePositiveRates[i] - FalsePositiveRates[i]);
            if (gap < bestGap)
            {
                bestGap = gap;
                best = i;
            }
        }
        return best < 0 ? (double.NaN, -1) : (FalsePositiveRates[best], best);
    }
}

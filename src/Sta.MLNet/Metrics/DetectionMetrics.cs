namespace Sta.MLNet;

/// <summary>
/// The detection metrics of StA / DeepfakeBench (sklearn 1.2.1 definitions, docs/design.md, "Metrics") for one level (clips or
/// videos). AUC, EER and AP are NaN when only one class is present (sklearn warns and returns NaN or a degenerate
/// value there; a NaN cannot be mistaken for a result).
/// </summary>
/// <param name="Count">Number of items (clips or videos).</param>
/// <param name="PositiveCount">Items labelled fake.</param>
/// <param name="Auc">Area under the drop_intermediate ROC, trapezoidal.</param>
/// <param name="Eer">Equal error rate: fpr at the first minimum of |fnr - fpr| on the thinned ROC.</param>
/// <param name="AveragePrecision">sklearn average_precision_score: sum of (R_n - R_n-1) P_n over distinct thresholds.</param>
/// <param name="Accuracy">Fraction of items with (score &gt; threshold) == label; default threshold 0.5, strict.</param>
public sealed record DetectionMetrics(int Count, int PositiveCount, double Auc, double Eer, double AveragePrecision, double Accuracy)
{
    /// <summary>Computes all four metrics.</summary>
    /// <param name="scores">P(fake) per item (any monotone score works for AUC/EER/AP; ACC compares with <paramref name="accuracyThreshold"/>).</param>
    /// <param name="labels">true = fake.</param>
    /// <param name="accuracyThreshold">A score strictly above it counts as fake. Default 0.5 (DeepfakeBench).</param>
    /// <exception cref="ArgumentException">Empty input, different lengths, or a NaN/infinite score.</exception>
    public static DetectionMetrics Compute(IReadOnlyList<double> scores, IReadOnlyList<bool> labels, double accuracyThreshold = 0.5)
    {
        var roc = RocCurve.Compute(scores, labels);
        int positives = labels.Count(l => l);
        bool bothClasses = positives > 0 && positives < labels.Count;
        int correct = 0;
        for (int i = 0; i < scores.Count; i++)
            if (scores[i] > accuracyThreshold == labels[i]) correct++;
        return new DetectionMetrics(
            scores.Count, positives,
            bothClasses ? roc.Area() : double.NaN,
            bothClasses ? roc.EqualErrorRate().Eer : double.NaN,
            bothClasses ? ComputeAveragePrecision(scores, labels) : double.NaN,
            (double)correct / scores.Count);
    }

    /// <summary>sklearn 1.2.1 <c>average_precision_score</c> (step-wise, no interpolation); NaN without positives.</summary>
    public static double ComputeAveragePrecision(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        var (fps, tps, _) = BinaryCurve.Counts(scores, labels);
        if (tps[^1] == 0) return double.NaN;
        int m = tps.Length;
        // precision_recall_curve reverses the arrays (recall decreasing) and appends precision 1, recall 0.
        var precision = new double[m + 1];
        var recall = new double[m + 1];
        for (int k = 0; k < m; k++)
        {
            var predicted = tps[m - 1 - k] + fps[m - 1 - k];
            precision[k] = predicted != 0 ? tps[m - 1 - k] / predicted : 0;
            recall[k] = tps[m - 1 - k] / tps[^1];
        }
        precision[m] = 1;
        recall[m] = 0;
        var terms = new double[m];
        for (int k = 0; k < m; k++) terms[k] = (recall[k + 1] - recall[k]) * precision[k];
        return -PairwiseSum.Sum(terms);
    }
}

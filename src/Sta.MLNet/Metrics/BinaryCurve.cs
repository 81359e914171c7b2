namespace Sta.MLNet;

/// <summary>sklearn's <c>_binary_clf_curve</c>: cumulative false/true positive counts at each distinct score, descending.</summary>
internal static class BinaryCurve
{
    public static (double[] Fps, double[] Tps, double[] Thresholds) Counts(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        Validate(scores, labels);
        int n = scores.Count;
        var order = Enumerable.Range(0, n).ToArray();
        // Descending by score; the order inside a run of equal scores does not change the counts at the run's end.
        Array.Sort(order, (a, b) => scores[b].CompareTo(scores[a]));
        var fps = new List<double>();
        var tps = new List<double>();
        var thresholds = new List<double>();
        double positives = 0;
        for (int i = 0; i < n; i++)
        {
            if (labels[order[i]]) positives++;
            if (i == n - 1 || scores[order[i]] != scores[order[i + 1]])
            {
                tps.Add(positives);
                fps.Add(1 + i - positives);
                thresholds.Add(scores[order[i]]);
            }
        }
        return (fps.ToArray(), tps.ToArray(), thresholds.ToArray());
    }

    public static void Validate(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(labels);
        if (scores.Count == 0) throw new ArgumentException("No scores to evaluate.", nameof(scores));
        if (scores.Count != labels.Count)
            throw new ArgumentException($"{scores.Count} scores but {labels.Count} labels.", nameof(labels));
        for (int i = 0; i < scores.Count; i++)
            if (!double.IsFinite(scores[i]))
                throw new ArgumentException($"Score {i} is {scores[i]}; metrics need finite scores (sklearn rejects NaN and infinity too).", nameof(scores));
    }
}

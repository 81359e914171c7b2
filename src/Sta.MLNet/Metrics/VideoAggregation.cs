namespace Sta.MLNet;

/// <summary>
/// A probability of "fake" with its ground truth, keyed by video: what the detection metrics take. A clip's has
/// <see cref="ClipCount"/> 1; a video's (<see cref="VideoAggregation.Aggregate"/>) is the mean over its clips.
/// </summary>
/// <param name="VideoId">The video (DeepfakeBench style <c>&lt;label name&gt;_&lt;video&gt;</c>, or a path).</param>
/// <param name="Label">true = fake. For a video: fake only when every clip is labelled fake (int(mean of labels) == 1, as DeepfakeBench).</param>
/// <param name="Probability">P(fake); for a video the mean of its clips' (float64 sum in clip order, divided by the count).</param>
/// <param name="ClipCount">Clips behind the probability.</param>
public sealed record LabeledScore(string VideoId, bool Label, double Probability, int ClipCount = 1);

/// <summary>Video-level scores from clip-level ones: the mean of the clip probabilities per video (docs/design.md, "Metrics").</summary>
internal static class VideoAggregation
{
    /// <summary>
    /// Groups <paramref name="clips"/> by video id (ordinal comparison) and averages; videos are listed in order of their
    /// first clip. The sum runs in list order so the result depends on nothing else: summation order changes the last
    /// digits of video scores, and those can change AUC digits.
    /// </summary>
    public static IReadOnlyList<LabeledScore> Aggregate(IEnumerable<LabeledScore> clips)
    {
        ArgumentNullException.ThrowIfNull(clips);
        var videos = new Dictionary<string, (double Sum, double LabelSum, int Count, int Order)>(StringComparer.Ordinal);
        foreach (var clip in clips)
        {
            if (clip.VideoId is null) throw new ArgumentException("A clip has no video id.", nameof(clips));
            if (!double.IsFinite(clip.Probability))
                throw new ArgumentException($"Clip of video '{clip.VideoId}' has score {clip.Probability}; scores must be finite.", nameof(clips));
            videos.TryGetValue(clip.VideoId, out var v);
            videos[clip.VideoId] = (v.Sum + clip.Probability, v.LabelSum + (clip.Label ? 1 : 0), v.Count + 1, v.Count == 0 ? videos.Count : v.Order);
        }
        return videos.OrderBy(v => v.Value.Order)
            .Select(v => new LabeledScore(v.Key, (int)(v.Value.LabelSum / v.Value.Count) == 1, v.Value.Sum / v.Value.Count, v.Value.Count))
            .ToList();
    }
}

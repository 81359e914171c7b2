namespace Sta.MLNet.Evaluation;

/// <summary>One scored clip.</summary>
/// <param name="VideoId">Video the clip was cut from (DeepfakeBench style <c>&lt;label name&gt;_&lt;video&gt;</c>).</param>
/// <param name="Label">true = fake.</param>
/// <param name="Score">P(fake) of the clip.</param>
public sealed record ClipScore(string VideoId, bool Label, double Score);

/// <summary>One video's aggregate.</summary>
/// <param name="VideoId">The video.</param>
/// <param name="Label">int(mean of its clip labels) == 1, i.e. fake only when every clip is labelled fake (DeepfakeBench).</param>
/// <param name="ClipCount">Number of clips averaged.</param>
/// <param name="Score">Mean of its clip scores: float64 sum in clip list order, divided by the count.</param>
public sealed record VideoScore(string VideoId, bool Label, int ClipCount, double Score);

/// <summary>Video-level scores from clip-level ones (spec section 7: mean of clip probabilities per video).</summary>
public static class VideoAggregation
{
    /// <summary>
    /// Groups <paramref name="clips"/> by video id (ordinal comparison) and averages; videos are listed in order of their
    /// first clip. The sum runs in list order so the result does not depend on anything else (README of the metric
    /// fixtures: summation order changed last digits of video scores, and then AUC digits).
    /// </summary>
    public static IReadOnlyList<VideoScore> Aggregate(IEnumerable<ClipScore> clips)
    {
        ArgumentNullException.ThrowIfNull(clips);
        var videos = new Dictionary<string, (double Sum, double LabelSum, int Count, int Order)>(StringComparer.Ordinal);
        foreach (var clip in clips)
        {
            if (clip.VideoId is null) throw new ArgumentException("A clip has no video id.", nameof(clips));
            if (!double.IsFinite(clip.Score))
                throw new ArgumentException($"Clip of video '{clip.VideoId}' has score {clip.Score}; scores must be finite.", nameof(clips));
            videos.TryGetValue(clip.VideoId, out var v);
            videos[clip.VideoId] = (v.Sum + clip.Score, v.LabelSum + (clip.Label ? 1 : 0), v.Count + 1, v.Count == 0 ? videos.Count : v.Order);
        }
        return videos.OrderBy(v => v.Value.Order)
            .Select(v => new VideoScore(v.Key, (int)(v.Value.LabelSum / v.Value.Count) == 1, v.Value.Count, v.Value.Sum / v.Value.Count))
            .ToList();
    }
}

namespace Sta.MLNet;

/// <summary>
/// Pure, deterministic clip plans (which frame indices form which clip) for the protocols of
/// <see cref="ClipSamplingProtocol"/>. Nothing here touches a file.
/// </summary>
internal static class ClipSampler
{
    /// <summary>
    /// Plans the clips of a video file with <paramref name="frameCount"/> frames. Returned indices are video frame
    /// indices (0-based, decoding order). <paramref name="videoKey"/> (e.g. the video id) seeds the random clip
    /// starts of <see cref="ClipSamplingOptions.ClipStartSeed"/> and is otherwise unused.
    /// </summary>
    public static ClipPlan PlanVideo(int frameCount, ClipSamplingOptions? options = null, string? videoKey = null)
    {
        options ??= ClipSamplingOptions.DeepfakeBench;
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfNegative(frameCount);
        var usable = options.Protocol == ClipSamplingProtocol.DeepfakeBench
            ? EvenlySpacedIndices(frameCount, options.SampledFramesPerVideo)
            : null;
        return Plan(frameCount, usable?.Length ?? frameCount, position => usable is null ? position : usable[position], options, videoKey);
    }

    /// <summary>
    /// Plans the clips of an already extracted, sorted frame list (a DeepfakeBench JSON entry) with
    /// <paramref name="listCount"/> entries. Returned indices are positions in that list. DeepfakeBench keeps the
    /// first <see cref="ClipSamplingOptions.SampledFramesPerVideo"/> entries (docs/design.md, "Clip sampling": its random start is
    /// always 0) and cuts consecutive entries into clips; the consecutive protocol uses the whole list.
    /// <paramref name="videoKey"/> seeds random clip starts as in <see cref="PlanVideo"/>.
    /// </summary>
    public static ClipPlan PlanFrameList(int listCount, ClipSamplingOptions? options = null, string? videoKey = null)
    {
        options ??= ClipSamplingOptions.DeepfakeBench;
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfNegative(listCount);
        var usable = options.Protocol == ClipSamplingProtocol.DeepfakeBench
            ? Math.Min(listCount, options.SampledFramesPerVideo)
            : listCount;
        return Plan(listCount, usable, position => position, options, videoKey);
    }

    /// <summary>
    /// numpy's <c>linspace(0, frameCount - 1, count).astype(int)</c> with repeated values removed: evenly spaced
    /// frame indices including the first and the last frame, computed in double precision exactly as numpy does
    /// (i * step, the last value set to the end point) so that the same frames are chosen. When
    /// frameCount &lt;= count every frame is returned.
    /// </summary>
    public static int[] EvenlySpacedIndices(int frameCount, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frameCount);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (frameCount == 0 || count == 0)
            return [];
        if (count == 1)
            return [0];
        var last = frameCount - 1;
        var step = (double)last / (count - 1);
        var indices = new List<int>(count);
        for (var i = 0; i < count; i++)
        {
            var value = i == count - 1 ? last : (int)(i * step);
            if (indices.Count == 0 || indices[^1] != value)
                indices.Add(value);
        }
        return [.. indices];
    }

    /// <summary>
    /// Start positions of <paramref name="clipCount"/> clips spanning <paramref name="span"/> of
    /// <paramref name="usable"/> frames: DeepfakeBench's and the demo's rule, step = (usable - span) // (clips - 1),
    /// start i = i * step; one clip starts at 0 (no division by zero). Default clip count: usable // span.
    /// A requested count above the number of distinct starts (usable - span + 1) is capped to it.
    /// </summary>
    public static int[] ClipStarts(int usable, int span, int? clipCount = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(span, 1);
        if (usable < span)
            return [];
        var count = Math.Min(clipCount ?? usable / span, usable - span + 1);
        if (count < 1)
            throw new ArgumentOutOfRangeException(nameof(clipCount), clipCount, "clipCount must be >= 1.");
        if (count == 1)
            return [0];
        var step = (usable - span) / (count - 1);
        var starts = new int[count];
        for (var i = 0; i < count; i++)
            starts[i] = i * step;
        return starts;
    }

    /// <summary>
    /// StA's training/demo rule around the fixed starts of <see cref="ClipStarts"/>: clip i starts at a uniform draw
    /// from [i * step, min((i + 1) * step, usable - span + 1)); a single clip from [0, usable - span + 1).
    /// </summary>
    public static int[] RandomClipStarts(int usable, int span, int? clipCount, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var starts = ClipStarts(usable, span, clipCount);
        var lastStart = usable - span;
        if (starts.Length == 1)
            return [random.Next(0, lastStart + 1)];
        var step = starts.Length > 1 ? starts[1] : 0;
        for (var i = 0; i < starts.Length; i++)
            starts[i] = random.Next(i * step, Math.Min((i + 1) * step, lastStart + 1));
        return starts;
    }

    private static ClipPlan Plan(int frameCount, int usable, Func<int, int> frameAt, ClipSamplingOptions options, string? videoKey)
    {
        var span = options.ClipSpan;
        var clips = new List<IReadOnlyList<int>>();
        if (usable >= span)
        {
            var starts = options.ClipStartSeed is { } seed
                ? RandomClipStarts(usable, span, options.ClipsPerVideo, new Random(StableSeed(seed, videoKey ?? string.Empty)))
                : ClipStarts(usable, span, options.ClipsPerVideo);
            foreach (var start in starts)
            {
                var clip = new int[options.FramesPerClip];
                for (var j = 0; j < clip.Length; j++)
                    clip[j] = frameAt(start + j * options.FrameStride);
                clips.Add(clip);
            }
            return new ClipPlan(frameCount, usable, span, clips, IsPadded: false);
        }

        if (usable == 0 || options.ShortVideo == ShortVideoPolicy.Reject)
            return new ClipPlan(frameCount, usable, span, clips, IsPadded: false);

        // A short video gives one clip laid over a virtual run of `span` frames, completed by padding.
        var padded = new int[options.FramesPerClip];
        for (var j = 0; j < padded.Length; j++)
            padded[j] = frameAt(PaddedPosition(j * options.FrameStride, usable, options.ShortVideo));
        clips.Add(padded);
        return new ClipPlan(frameCount, usable, span, clips, IsPadded: true);
    }

    // string.GetHashCode is randomised per process; FNV-1a over the UTF-16 code units is stable everywhere.
    private static int StableSeed(int seed, string key)
    {
        var hash = 2166136261u ^ (uint)seed;
        foreach (var c in key)
        {
            hash = (hash ^ (c & 0xFFu)) * 16777619u;
            hash = (hash ^ ((uint)c >> 8)) * 16777619u;
        }
        return (int)(hash & 0x7FFFFFFF);
    }

    private static int PaddedPosition(int virtualPosition, int usable, ShortVideoPolicy policy)
    {
        if (virtualPosition < usable)
            return virtualPosition;
        if (policy == ShortVideoPolicy.RepeatLastFrame || usable == 1)
            return usable - 1;
        var period = 2 * (usable - 1);
        var phase = virtualPosition % period;
        return phase < usable ? phase : period - phase;
    }
}

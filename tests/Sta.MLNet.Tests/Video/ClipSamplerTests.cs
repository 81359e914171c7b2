using Sta.MLNet;

namespace Sta.MLNet.Tests.Video;

public sealed class ClipSamplerTests
{
    private static int[][] Clips(ClipPlan plan) => plan.Clips.Select(clip => clip.ToArray()).ToArray();

    private static int[] Range(int start, int count) => Enumerable.Range(start, count).ToArray();

    [Fact]
    public void DeepfakeBench_test_protocol_on_32_frames_gives_four_disjoint_clips()
    {
        var plan = ClipSampler.PlanVideo(32);
        Assert.Equal([Range(0, 8), Range(8, 8), Range(16, 8), Range(24, 8)], Clips(plan));
        Assert.Equal(32, plan.UsableFrameCount);
        Assert.False(plan.IsPadded);
        Assert.Equal(Clips(plan), Clips(ClipSampler.PlanFrameList(32)));
    }

    [Fact]
    public void DeepfakeBench_on_a_300_frame_video_samples_32_frames_evenly_then_cuts_them_into_4_clips()
    {
        var plan = ClipSampler.PlanVideo(300);
        // linspace(0, 299, 32).astype(int) = floor(i * 299 / 31).
        var sampled = Enumerable.Range(0, 32).Select(i => i * 299 / 31).ToArray();
        Assert.Equal(0, sampled[0]);
        Assert.Equal(299, sampled[31]);
        Assert.Equal([sampled[..8], sampled[8..16], sampled[16..24], sampled[24..]], Clips(plan));
    }

    [Fact]
    public void Consecutive_protocol_matches_the_demo_layout_with_fixed_starts()
    {
        var plan = ClipSampler.PlanVideo(300, ClipSamplingOptions.Consecutive);
        // num_clips = 300 // 8 = 37, step = (300 - 8) // 36 = 8.
        Assert.Equal(37, plan.Clips.Count);
        for (var i = 0; i < 37; i++)
            Assert.Equal(Range(i * 8, 8), plan.Clips[i]);

        var four = ClipSampler.PlanVideo(300, ClipSamplingOptions.Consecutive with { ClipsPerVideo = 4 });
        // step = (300 - 8) // 3 = 97: starts 0, 97, 194, 291, the last clip ending on the last frame.
        Assert.Equal([Range(0, 8), Range(97, 8), Range(194, 8), Range(291, 8)], Clips(four));
    }

    /// <summary>The official demo divides by zero for 8 &lt;= n &lt; 16 (one clip); here one clip starts at 0.</summary>
    [Theory]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(15)]
    public void One_clip_videos_start_at_zero_without_division_by_zero(int frameCount)
    {
        foreach (var options in new[] { ClipSamplingOptions.DeepfakeBench, ClipSamplingOptions.Consecutive })
            Assert.Equal([Range(0, 8)], Clips(ClipSampler.PlanVideo(frameCount, options)));
    }

    [Fact]
    public void Two_clip_videos_put_the_second_clip_at_the_end_step()
    {
        Assert.Equal([Range(0, 8), Range(8, 8)], Clips(ClipSampler.PlanVideo(16, ClipSamplingOptions.Consecutive)));
        Assert.Equal([Range(0, 8), Range(15, 8)], Clips(ClipSampler.PlanVideo(23, ClipSamplingOptions.Consecutive)));
        // num_clips = 3, step = (31 - 8) // 2 = 11: the last frame (30) is left out, as in the demo.
        Assert.Equal([Range(0, 8), Range(11, 8), Range(22, 8)], Clips(ClipSampler.PlanVideo(31, ClipSamplingOptions.Consecutive)));
    }

    [Fact]
    public void Short_videos_follow_the_policy()
    {
        var reject = ClipSampler.PlanVideo(3, ClipSamplingOptions.Consecutive);
        Assert.True(reject.IsTooShort);
        Assert.Equal(3, reject.UsableFrameCount);
        Assert.Equal(8, reject.RequiredFrameCount);

        var repeat = ClipSampler.PlanVideo(3, ClipSamplingOptions.Consecutive with { ShortVideo = ShortVideoPolicy.RepeatLastFrame });
        Assert.Equal([[0, 1, 2, 2, 2, 2, 2, 2]], Clips(repeat));
        Assert.True(repeat.IsPadded);

        var mirror = ClipSampler.PlanVideo(3, ClipSamplingOptions.DeepfakeBench with { ShortVideo = ShortVideoPolicy.Mirror });
        Assert.Equal([[0, 1, 2, 1, 0, 1, 2, 1]], Clips(mirror));

        var single = ClipSampler.PlanVideo(1, ClipSamplingOptions.Consecutive with { ShortVideo = ShortVideoPolicy.Mirror });
        Assert.Equal([new int[8]], Clips(single));

        foreach (var policy in Enum.GetValues<ShortVideoPolicy>())
            Assert.True(ClipSampler.PlanVideo(0, ClipSamplingOptions.Consecutive with { ShortVideo = policy }).IsTooShort);
    }

    [Fact]
    public void Stride_spaces_the_frames_of_a_clip()
    {
        var options = ClipSamplingOptions.Consecutive with { FramesPerClip = 4, FrameStride = 3, ClipsPerVideo = 2 };
        // span = 3 * 3 + 1 = 10; step = (30 - 10) // 1 = 20.
        Assert.Equal([[0, 3, 6, 9], [20, 23, 26, 29]], Clips(ClipSampler.PlanVideo(30, options)));

        var padded = ClipSampler.PlanVideo(5, options with { ShortVideo = ShortVideoPolicy.RepeatLastFrame });
        Assert.Equal([[0, 3, 4, 4]], Clips(padded));
    }

    [Fact]
    public void A_frame_list_longer_than_32_keeps_its_first_32_entries_under_DeepfakeBench()
    {
        Assert.Equal([Range(0, 8), Range(8, 8), Range(16, 8), Range(24, 8)], Clips(ClipSampler.PlanFrameList(45)));
        Assert.Equal(5, ClipSampler.PlanFrameList(45, ClipSamplingOptions.Consecutive).Clips.Count);
        Assert.Equal([Range(0, 8), Range(12, 8)], Clips(ClipSampler.PlanFrameList(20)));
        Assert.True(ClipSampler.PlanFrameList(7).IsTooShort);
    }

    [Fact]
    public void Evenly_spaced_indices_equal_the_exact_rational_linspace_for_every_small_video()
    {
        // numpy's float linspace equals this exact formula for n <= 20000 and 8, 10, 16, 32 samples
        // (tests/reference/linspace_reference.py).
        foreach (var count in new[] { 1, 2, 8, 10, 16, 32 })
        {
            for (var n = 0; n <= 3000; n++)
            {
                var actual = ClipSampler.EvenlySpacedIndices(n, count);
                int[] expected = n == 0 ? [] : count == 1 ? [0]
                    : Enumerable.Range(0, count).Select(i => (int)((long)i * (n - 1) / (count - 1))).Distinct().ToArray();
                Assert.Equal(expected, actual);
                if (n > 0 && n <= count)
                    Assert.Equal(Range(0, n), actual);
            }
        }
    }

    /// <summary>
    /// Every small video length, both protocols, several clip sizes, strides, clip counts and short-video policies:
    /// the structural promises of a plan.
    /// </summary>
    [Fact]
    public void Plans_keep_their_promises_for_every_small_video()
    {
        foreach (var protocol in Enum.GetValues<ClipSamplingProtocol>())
        foreach (var framesPerClip in new[] { 1, 2, 8 })
        foreach (var stride in new[] { 1, 2, 3 })
        foreach (var clipsPerVideo in new int?[] { null, 1, 2, 5 })
        foreach (var policy in Enum.GetValues<ShortVideoPolicy>())
        {
            var options = new ClipSamplingOptions
            {
                Protocol = protocol, FramesPerClip = framesPerClip, FrameStride = stride,
                ClipsPerVideo = clipsPerVideo, ShortVideo = policy,
            };
            for (var n = 0; n <= 80; n++)
                CheckPlan(n, options);
        }
    }

    private static void CheckPlan(int n, ClipSamplingOptions options)
    {
        var plan = ClipSampler.PlanVideo(n, options);
        var context = $"n={n} {options}";
        Assert.Equal(plan, ClipSampler.PlanVideo(n, options) with { Clips = plan.Clips });
        var sampled = options.Protocol == ClipSamplingProtocol.DeepfakeBench
            ? ClipSampler.EvenlySpacedIndices(n, options.SampledFramesPerVideo)
            : Range(0, n);
        Assert.Equal(sampled.Length, plan.UsableFrameCount);
        var span = options.ClipSpan;

        if (sampled.Length < span)
        {
            var expectClip = sampled.Length > 0 && options.ShortVideo != ShortVideoPolicy.Reject;
            Assert.True(expectClip ? plan.Clips.Count == 1 && plan.IsPadded : plan.IsTooShort, context);
            if (expectClip)
            {
                Assert.Equal(options.FramesPerClip, plan.Clips[0].Count);
                Assert.All(plan.Clips[0], index => Assert.Contains(index, sampled));
                Assert.Equal(sampled[0], plan.Clips[0][0]);
            }
            return;
        }

        var expectedCount = Math.Min(options.ClipsPerVideo ?? sampled.Length / span, sampled.Length - span + 1);
        Assert.Equal(expectedCount, plan.Clips.Count);
        Assert.False(plan.IsPadded);
        var starts = new List<int>();
        foreach (var clip in plan.Clips)
        {
            Assert.Equal(options.FramesPerClip, clip.Count);
            var start = Array.IndexOf(sampled, clip[0]);
            Assert.True(start >= 0, context);
            for (var j = 0; j < clip.Count; j++)
                Assert.Equal(sampled[start + j * options.FrameStride], clip[j]);
            starts.Add(start);
        }
        Assert.Equal(0, starts[0]);
        Assert.True(starts.Zip(starts.Skip(1)).All(pair => pair.Second > pair.First), $"starts not increasing: {context}");
        if (starts.Count > 1)
        {
            var step = starts[1] - starts[0];
            Assert.All(starts.Select((start, i) => (start, i)), s => Assert.Equal(s.i * step, s.start));
            Assert.Equal((sampled.Length - span) / (starts.Count - 1), step);
        }
        if (options.ClipsPerVideo is null)
            Assert.True(starts.Zip(starts.Skip(1)).All(pair => pair.Second - pair.First >= span), $"default clips overlap: {context}");
    }

    [Fact]
    public void Random_starts_stay_in_their_slots_and_depend_only_on_seed_and_video_key()
    {
        var options = ClipSamplingOptions.DeepfakeBench with { ClipStartSeed = 1024 };
        var seen = new HashSet<int>[4];
        for (var i = 0; i < 4; i++)
            seen[i] = [];
        for (var v = 0; v < 200; v++)
        {
            var plan = ClipSampler.PlanFrameList(32, options, $"FF-DF_{v:D3}");
            Assert.Equal(Clips(plan), Clips(ClipSampler.PlanFrameList(32, options, $"FF-DF_{v:D3}")));
            for (var i = 0; i < 4; i++)
            {
                Assert.Equal(Range(plan.Clips[i][0], 8), plan.Clips[i]);
                seen[i].Add(plan.Clips[i][0]);
            }
        }
        // n = 32, step 8: starts drawn from [0, 8), [8, 16), [16, 24) and {24} (StA's training layout, docs/design.md, "Clip sampling").
        Assert.Equal(Range(0, 8), seen[0].Order());
        Assert.Equal(Range(8, 8), seen[1].Order());
        Assert.Equal(Range(16, 8), seen[2].Order());
        Assert.Equal([24], seen[3]);

        // One clip: start drawn from [0, n - 8].
        var single = Enumerable.Range(0, 100).Select(v => ClipSampler.PlanVideo(11, options with { Protocol = ClipSamplingProtocol.Consecutive }, $"v{v}").Clips.Single()[0]);
        Assert.Equal([0, 1, 2, 3], single.Distinct().Order());
    }

    [Fact]
    public void Random_starts_are_pinned_for_a_seed_and_key()
    {
        // Pinned: the seed derivation must not depend on the process (string.GetHashCode would).
        var plan = ClipSampler.PlanVideo(300, ClipSamplingOptions.Consecutive with { ClipStartSeed = 1024, ClipsPerVideo = 4 }, "FF-DF_000_003");
        Assert.Equal(PinnedRandomStarts, plan.Clips.Select(clip => clip[0]));
    }

    private static readonly int[] PinnedRandomStarts = [64, 192, 258, 292];

    [Fact]
    public void Random_starts_keep_their_promises_for_every_small_video()
    {
        foreach (var clipsPerVideo in new int?[] { null, 1, 3, 20 })
        {
            var options = ClipSamplingOptions.Consecutive with { ClipStartSeed = 5, ClipsPerVideo = clipsPerVideo };
            for (var n = 8; n <= 120; n++)
            {
                var fixedStarts = ClipSampler.ClipStarts(n, 8, clipsPerVideo);
                var starts = ClipSampler.PlanVideo(n, options, $"video{n}").Clips.Select(clip => clip[0]).ToArray();
                Assert.Equal(fixedStarts.Length, starts.Length);
                var step = fixedStarts.Length > 1 ? fixedStarts[1] : n - 8 + 1;
                for (var i = 0; i < starts.Length; i++)
                    Assert.InRange(starts[i], i * step, Math.Min((i + 1) * step, n - 8 + 1) - 1);
            }
        }
    }

    [Fact]
    public void Invalid_options_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ClipSampler.PlanVideo(10, new ClipSamplingOptions { FramesPerClip = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClipSampler.PlanVideo(10, new ClipSamplingOptions { FrameStride = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClipSampler.PlanVideo(10, new ClipSamplingOptions { ClipsPerVideo = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClipSampler.PlanVideo(10, new ClipSamplingOptions { SampledFramesPerVideo = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClipSampler.PlanVideo(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClipSampler.PlanFrameList(-1));
    }
}

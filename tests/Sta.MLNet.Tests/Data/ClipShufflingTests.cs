using Sta.MLNet;

namespace Sta.MLNet.Tests.Data;

public sealed class ClipShufflingTests
{
    private static List<ClipDescriptor> Clips(int count) =>
        Enumerable.Range(0, count)
            .Select(i => new ClipDescriptor($"fake_{i / 4}", 1, "fake", i % 4, 4, [i], $"/videos/{i / 4}.mp4", null, null))
            .ToList();

    [Fact]
    public void The_same_seed_gives_the_same_permutation_and_other_seeds_differ()
    {
        var clips = Clips(200);
        var first = ClipShuffling.Shuffle(clips, 1024);
        Assert.Equal(first, ClipShuffling.Shuffle(clips, 1024));
        Assert.NotEqual(first, ClipShuffling.Shuffle(clips, 1025));
        Assert.NotEqual(clips, first);
        Assert.Equal(clips.OrderBy(c => c.FrameIndices[0]), first.OrderBy(c => c.FrameIndices[0]));
        // The input is left as it was.
        Assert.Equal(Enumerable.Range(0, 200), clips.Select(c => c.FrameIndices[0]));
    }

    [Fact]
    public void The_permutation_is_pinned_for_a_seed()
    {
        // Pinned so that a change of algorithm (which would silently change training order) is noticed.
        var order = ClipShuffling.Shuffle(Clips(8), 1024).Select(c => c.FrameIndices[0]);
        Assert.Equal(PinnedOrder, order);
    }

    private static readonly int[] PinnedOrder = [4, 7, 6, 2, 0, 3, 1, 5];

    [Fact]
    public void Empty_and_single_lists_are_fine()
    {
        Assert.Empty(ClipShuffling.Shuffle([], 3));
        Assert.Single(ClipShuffling.Shuffle(Clips(1), 3));
    }
}

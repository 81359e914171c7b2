using Sta.MLNet;
using static TorchSharp.torch;

namespace Sta.MLNet.Tests.Torch;

public sealed class HostBatchTests
{
    [Fact]
    public void Clips_are_laid_out_back_to_back_as_the_network_input()
    {
        var network = StaPresets.Tiny;
        long clipLength = (long)network.NumFrames * 3 * network.InputResolution * network.InputResolution;
        var random = new Random(3);
        var clips = Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, (int)clipLength).Select(_ => (float)random.NextDouble()).ToArray()).ToList();

        using var scope = NewDisposeScope();
        // Only the first three clips: the list may hold more slots than the batch uses (a worker's reusable buffers).
        var host = HostBatch.Clips(clips, 3, network, pinned: false);
        Assert.Equal([3L, network.NumFrames, 3, network.InputResolution, network.InputResolution], host.shape);
        Assert.Equal(ScalarType.Float32, host.dtype);
        var device = HostBatch.Upload(host, CPU);
        var values = device.data<float>().ToArray();
        Assert.Equal(clips.Take(3).SelectMany(c => c), values);
        var expected = tensor(clips.Take(3).SelectMany(c => c).ToArray(), [3L, network.NumFrames, 3, network.InputResolution, network.InputResolution]);
        Assert.True(expected.eq(device).all().item<bool>());

        var labels = HostBatch.Upload(HostBatch.Labels([0, 1, 1], pinned: false), CPU);
        Assert.Equal(ScalarType.Int64, labels.dtype);
        Assert.Equal([0L, 1, 1], labels.data<long>().ToArray());
    }

    [Fact]
    public void When_memory_cannot_be_pinned_the_batch_is_pageable_and_correct()
    {
        // This libtorch has no CUDA host allocator, so pinning is refused, as it can be on a GPU machine.
        var network = StaPresets.Tiny;
        long clipLength = (long)network.NumFrames * 3 * network.InputResolution * network.InputResolution;
        var clips = new List<float[]> { Enumerable.Range(0, (int)clipLength).Select(i => i * 0.5f).ToArray() };
        using var scope = NewDisposeScope();
        var host = HostBatch.Clips(clips, 1, network, pinned: true);
        Assert.Equal(clips[0], HostBatch.Upload(host, CPU).data<float>().ToArray());
        Assert.Equal([1L, 0], HostBatch.Upload(HostBatch.Labels([1, 0], pinned: true), CPU).data<long>().ToArray());
    }

    [Fact]
    public void A_clip_of_the_wrong_size_or_a_count_beyond_the_clips_is_refused()
    {
        var network = StaPresets.Tiny;
        long clipLength = (long)network.NumFrames * 3 * network.InputResolution * network.InputResolution;
        var clips = new List<float[]> { new float[clipLength], new float[clipLength - 1] };
        var error = Assert.Throws<ArgumentException>(() => HostBatch.Clips(clips, 2, network, pinned: false));
        Assert.Contains("Clip 1", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => HostBatch.Clips(clips, 3, network, pinned: false));
        Assert.Throws<ArgumentOutOfRangeException>(() => HostBatch.Clips(clips, 0, network, pinned: false));
    }
}

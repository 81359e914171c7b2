using System.Runtime.InteropServices;
using OpenCvSharp;
using Sta.MLNet.Clips;
using Sta.MLNet.Faces;
using Sta.MLNet.Scoring;
using Sta.MLNet.Tests.Model;
using Sta.MLNet.Tests.Video;
using Sta.MLNet.Video;

namespace Sta.MLNet.Tests.Scoring;

/// <summary>
/// Exceptions of every kind, at every step of the scorer's front end and in its network: each one becomes its own
/// video's error and the run goes on; only cancellation, running out of memory, a front end that cannot be set up and
/// the caller's own progress callback end a run, and then every thread ends and every file is released.
/// </summary>
public class ScorerFaultTests
{
    // The tiny test network takes 8 frames of 32 px; two clips per video keep the runs short.
    private static readonly FaceClipOptions TinyInput = new()
    {
        Sampling = ClipSamplingOptions.Consecutive with { ClipsPerVideo = 2 }, ClipSize = 32,
    };

    private static readonly VideoScoringOptions Options = new() { FrontEnd = TinyInput, BatchSize = 4, FrontEndWorkers = 2, QueueCapacity = 3 };

    private static OpenCVException OpenCvError() => new(ErrorCode.StsError, "cv::simulated", "simulated OpenCV failure", "simulated.cpp", 1);

    /// <summary>Name, step, clip and exception of each faulty copy of the test video.</summary>
    private static readonly (string Name, VideoScoringStage Stage, int? Clip, Func<Exception> Make)[] Faults =
    [
        ("opencv-open", VideoScoringStage.Open, null, OpenCvError),
        ("io-open", VideoScoringStage.Open, null, () => new IOException("simulated read error")),
        ("unauthorized-open", VideoScoringStage.Open, null, () => new UnauthorizedAccessException("simulated permission error")),
        ("invaliddata-plan", VideoScoringStage.Plan, null, () => new InvalidDataException("simulated bad index")),
        ("argument-plan", VideoScoringStage.Plan, null, () => new ArgumentException("simulated bad argument")),
        ("opencv-decode0", VideoScoringStage.Decode, 0, OpenCvError),
        ("argumentrange-decode1", VideoScoringStage.Decode, 1, () => new ArgumentOutOfRangeException("frameIndices", "simulated decoder argument")),
        ("io-decode1", VideoScoringStage.Decode, 1, () => new IOException("simulated read error")),
        ("foreigncancel-decode0", VideoScoringStage.Decode, 0, () => new OperationCanceledException("a token that is not the run's")),
        ("opencv-faces0", VideoScoringStage.Faces, 0, OpenCvError),
        ("invaliddata-faces1", VideoScoringStage.Faces, 1, () => new InvalidDataException("simulated landmark model error")),
        ("nullreference-faces1", VideoScoringStage.Faces, 1, () => new NullReferenceException("simulated bug")),
        ("invalidoperation-faces0", VideoScoringStage.Faces, 0, () => new InvalidOperationException("simulated crop type")),
    ];

    [Fact]
    public async Task Every_exception_at_every_front_end_step_fails_only_its_own_video()
    {
        var folder = TestVideos.NewScratchFolder("scorer-faults");
        var reference = await new StaVideoScorer(TestNetworks.RandomTinyStage(), Options).ScoreVideoAsync(TestVideos.FaceMotionH264);
        Assert.Equal(2, reference.Clips.Count);
        var inputs = new List<string>();
        foreach (var (name, _, _, _) in Faults)
        {
            // Good videos between the bad ones: their clips share batches and workers with the failures.
            if (inputs.Count % 4 == 0) inputs.Add(Copy(folder, $"good{inputs.Count}"));
            inputs.Add(Copy(folder, name));
        }
        var faults = Faults.ToDictionary(f => f.Name);
        var watch = new FaultInjection
        {
            FrontEndFault = (path, stage, clip) =>
                faults.TryGetValue(Path.GetFileNameWithoutExtension(path), out var f) && f.Stage == stage && f.Clip == clip ? f.Make() : null,
        };

        var results = await watch.Scorer(TestNetworks.RandomTinyStage(), Options).ScoreFilesAsync(inputs);

        Assert.Equal(inputs, results.Select(r => r.Path));
        foreach (var result in results)
        {
            var name = Path.GetFileNameWithoutExtension(result.Path);
            if (!faults.TryGetValue(name, out var fault))
            {
                Assert.Null(result.Error);
                Assert.Equal(reference.Clips.Select(c => c.ClipIndex), result.Clips.Select(c => c.ClipIndex));
                for (var c = 0; c < reference.Clips.Count; c++)
                    Assert.Equal(reference.Clips[c].Probability, result.Clips[c].Probability, 4);
                continue;
            }
            var error = Assert.IsType<VideoScoringException>(result.Error);
            Assert.Equal(fault.Stage, error.Stage);
            Assert.Equal(fault.Clip, error.ClipIndex);
            Assert.Equal(result.Path, error.Path);
            Assert.IsType(fault.Make().GetType(), error.InnerException);
            Assert.Contains(fault.Make().GetType().Name, error.Message);
            Assert.Contains(result.Path, error.Message);
            // A clip scored before the failure does not make a score for the file.
            Assert.False(result.IsScored);
            Assert.Null(result.Probability);
            Assert.Empty(result.Issues);
            Assert.Equal(fault.Clip is null ? 0 : 2, result.ClipCount);
        }

        Assert.Equal(0, watch.HalfFilledClipsScored);
        Assert.Equal(0, watch.PoolThreadCalls);
        Assert.Equal(inputs.Count, watch.Opened);
        Assert.Equal(watch.Opened, watch.Closed);
        Assert.Equal(0, watch.UndisposedFrames);
        Assert.Equal(watch.Created, watch.Disposed);
    }

    [Fact]
    public async Task A_clip_the_network_cannot_score_fails_its_video_and_the_batch_mates_keep_their_scores()
    {
        const float ThrowMarker = 777f;
        var folder = TestVideos.NewScratchFolder("scorer-network");
        var reference = await new StaVideoScorer(TestNetworks.RandomTinyStage(), Options).ScoreVideoAsync(TestVideos.FaceMotionH264);
        string[] inputs = [Copy(folder, "good-a"), Copy(folder, "throws"), Copy(folder, "good-b"), Copy(folder, "nan"), Copy(folder, "good-c")];
        var watch = new FaultInjection
        {
            AfterProcess = (path, clip, values) =>
            {
                if (path.EndsWith("throws.mp4", StringComparison.Ordinal) && clip == 1) values[0] = ThrowMarker;
                if (path.EndsWith("nan.mp4", StringComparison.Ordinal)) values.Fill(float.NaN);
            },
            NetworkFault = clip => clip[0] == ThrowMarker ? new ExternalException("simulated libtorch error") : null,
        };

        // One worker and a deep queue: the network sees batches that mix the bad clips with good ones.
        var results = await watch.Scorer(TestNetworks.RandomTinyStage(), Options with { FrontEndWorkers = 1, QueueCapacity = 8 }).ScoreFilesAsync(inputs);

        Assert.Equal(inputs, results.Select(r => r.Path));
        var thrown = Assert.IsType<VideoScoringException>(results[1].Error);
        Assert.Equal(VideoScoringStage.Network, thrown.Stage);
        Assert.Equal(1, thrown.ClipIndex);
        Assert.IsType<ExternalException>(thrown.InnerException);
        Assert.Contains("simulated libtorch error", thrown.Message);
        var garbage = Assert.IsType<VideoScoringException>(results[3].Error);
        Assert.Equal(VideoScoringStage.Network, garbage.Stage);
        Assert.Contains("not a finite score", garbage.Message);
        Assert.All(new[] { results[1], results[3] }, r => Assert.Null(r.Probability));
        foreach (var good in new[] { results[0], results[2], results[4] })
        {
            Assert.Null(good.Error);
            Assert.Equal(2, good.Clips.Count);
            for (var c = 0; c < 2; c++)
                Assert.Equal(reference.Clips[c].Probability, good.Clips[c].Probability, 4);
        }
        Assert.Equal(0, watch.PoolThreadCalls);
    }

    [Fact]
    public async Task Out_of_memory_ends_the_run_and_every_thread_releases_its_files()
    {
        var folder = TestVideos.NewScratchFolder("scorer-oom");
        string[] inputs = [Copy(folder, "a"), Copy(folder, "b"), Copy(folder, "oom"), Copy(folder, "c"), Copy(folder, "d")];
        var watch = new FaultInjection
        {
            FrontEndFault = (path, stage, clip) =>
                path.EndsWith("oom.mp4", StringComparison.Ordinal) && stage == VideoScoringStage.Decode ? new OutOfMemoryException("simulated") : null,
        };
        await Assert.ThrowsAsync<OutOfMemoryException>(() => watch.Scorer(TestNetworks.RandomTinyStage(), Options).ScoreFilesAsync(inputs));
        AssertReleased(watch);
    }

    [Fact]
    public async Task Cancellation_midway_ends_every_thread_and_releases_every_file()
    {
        var folder = TestVideos.NewScratchFolder("scorer-cancel");
        var inputs = Enumerable.Range(0, 6).Select(i => Copy(folder, $"v{i}")).ToArray();
        using var cancel = new CancellationTokenSource();
        var watch = new FaultInjection();
        // Cancelled when the first video is reported, while the workers wait on a full queue or work on later videos.
        var options = Options with { QueueCapacity = 1, Progress = new SyncProgress<VideoScoringProgress>(_ => cancel.Cancel()) };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watch.Scorer(TestNetworks.RandomTinyStage(), options).ScoreFilesAsync(inputs, cancel.Token));
        AssertReleased(watch);
    }

    [Fact]
    public async Task An_exception_from_the_callers_progress_callback_ends_the_run()
    {
        var folder = TestVideos.NewScratchFolder("scorer-progress");
        var inputs = Enumerable.Range(0, 3).Select(i => Copy(folder, $"v{i}")).ToArray();
        var watch = new FaultInjection();
        var options = Options with { Progress = new SyncProgress<VideoScoringProgress>(_ => throw new InvalidOperationException("the caller's report failed")) };
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => watch.Scorer(TestNetworks.RandomTinyStage(), options).ScoreFilesAsync(inputs));
        Assert.Equal("the caller's report failed", error.Message);
        AssertReleased(watch);
    }

    [Fact]
    public async Task A_front_end_that_cannot_be_set_up_ends_the_run_before_any_video()
    {
        var options = Options with { FrontEnd = TinyInput with { ShapePredictorPath = Path.Combine(TestVideos.NewScratchFolder("no-model"), "missing.dat") } };
        await Assert.ThrowsAsync<FaceModelNotFoundException>(() => new StaVideoScorer(TestNetworks.RandomTinyStage(), options).ScoreFilesAsync([TestVideos.FaceMotionH264]));
    }

    private static void AssertReleased(FaultInjection watch)
    {
        Assert.Equal(watch.Opened, watch.Closed);
        Assert.Equal(0, watch.UndisposedFrames);
        Assert.True(watch.Created > 0);
        Assert.Equal(watch.Created, watch.Disposed);
        Assert.Equal(0, watch.HalfFilledClipsScored);
    }

    private static string Copy(string folder, string name)
    {
        var path = Path.Combine(folder, name + ".mp4");
        File.Copy(TestVideos.FaceMotionH264, path);
        return path;
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

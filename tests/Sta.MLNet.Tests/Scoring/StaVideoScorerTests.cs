using Microsoft.ML;
using Sta.MLNet.Clips;
using Sta.MLNet.MLNet;
using Sta.MLNet.Scoring;
using Sta.MLNet.Tests.Clips;
using Sta.MLNet.Tests.Model;
using Sta.MLNet.Tests.Video;
using Sta.MLNet.Video;

namespace Sta.MLNet.Tests.Scoring;

public class StaVideoScorerTests
{
    // The tiny test network takes 8 frames of 32 px.
    private static readonly FaceClipOptions TinyInput = new() { Sampling = ClipSamplingOptions.Consecutive, ClipSize = 32 };

    [Fact]
    public async Task ScoresAFolderAndReportsEveryBadFile()
    {
        var folder = TestVideos.NewScratchFolder("scorer");
        File.Copy(TestVideos.FaceMotionH264, Path.Combine(folder, "a_motion.mp4"));
        File.Copy(TestVideos.TextFileNamedMp4, Path.Combine(folder, "b_text.mp4"));
        File.Copy(FaceClipVideos.NoFace, Path.Combine(folder, "c_noface.mp4"));
        File.Copy(TestVideos.ThreeFrameH264, Path.Combine(folder, "d_short.mp4"));
        File.Copy(FaceClipVideos.WithFaceGaps, Path.Combine(folder, "e_gaps.mp4"));
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not a video extension");
        var detector = TestNetworks.RandomTinyStage();
        var reports = new List<VideoScoringProgress>();
        var scorer = new StaVideoScorer(detector, new VideoScoringOptions
        {
            FrontEnd = TinyInput, BatchSize = 4, FrontEndWorkers = 2, QueueCapacity = 3,
            Progress = new SyncProgress<VideoScoringProgress>(p => { lock (reports) reports.Add(p); }),
        });
        var results = await scorer.ScoreFolderAsync(folder);

        Assert.Equal(["a_motion.mp4", "b_text.mp4", "c_noface.mp4", "d_short.mp4", "e_gaps.mp4"], results.Select(r => Path.GetFileName(r.Path)));
        var motion = results[0];
        Assert.Null(motion.Error);
        Assert.Equal(6, motion.ClipCount);
        Assert.Equal(Enumerable.Range(0, 6), motion.Clips.Select(c => c.ClipIndex));
        Assert.Equal(48, motion.FacesFound);
        Assert.Equal((float)motion.Clips.Average(c => (double)c.Probability), motion.Probability);
        Assert.True(motion.FrontEndTime > TimeSpan.Zero && motion.NetworkTime > TimeSpan.Zero);

        // Each clip's score is the network's score of the clip the front end makes (batching changes rounding only).
        using var extractor = new FaceClipExtractor(TinyInput);
        var clip = new float[TinyInput.ClipLength];
        var landmarks = new float[TinyInput.LandmarksLength];
        foreach (var scored in motion.Clips)
        {
            extractor.ExtractClip(motion.Path, scored.ClipIndex, clip, landmarks);
            var (score, probability) = detector.ScoreClip(clip);
            Assert.Equal(score, scored.Score, 4);
            Assert.Equal(probability, scored.Probability, 4);
        }

        Assert.IsAssignableFrom<VideoDecodeException>(results[1].Error);
        Assert.False(results[1].IsScored);
        Assert.Null(results[2].Error);
        Assert.False(results[2].IsScored);
        Assert.Null(results[2].Probability);
        Assert.Equal(3, results[2].ClipCount);
        Assert.All(results[2].Issues, i => Assert.IsType<FacelessClipException>(i.Error));
        Assert.Equal(3, results[2].Issues.Count);
        Assert.IsType<VideoTooShortException>(results[3].Error);
        Assert.True(results[4].IsScored);
        Assert.True(results[4].FramesWithoutFace > 0);

        Assert.Equal(5, reports.Count);
        Assert.Equal(5, reports.Max(r => r.VideosDone));
        Assert.All(reports, r => Assert.Equal(5, r.VideoCount));
        // Each report names the finished video's input position, whatever order the workers finish in.
        Assert.Equal(Enumerable.Range(0, 5), reports.Select(r => r.LastVideoIndex).Order());
        Assert.All(reports, r => Assert.Equal(results[r.LastVideoIndex].Path, r.LastVideo.Path));
    }

    [Fact]
    public async Task ScorerFromASavedModelUsesItsFrontEndOptions()
    {
        var ml = new MLContext(seed: 1);
        var loader = ml.LoadVideoClip(new VideoClipLoaderOptions { ClipIndexColumnName = "ClipIndex", FrontEnd = TinyInput with { FirstFrameSearchSide = 0 } })
            .Fit(ml.Data.LoadFromEnumerable(new[] { new PathRow() }));
        var chain = new Microsoft.ML.Data.TransformerChain<ITransformer>(loader, TestNetworks.RandomTinyStage());
        using var stream = new MemoryStream();
        ml.Model.Save(chain, ml.Data.LoadFromEnumerable(new[] { new PathRow() }).Schema, stream);
        stream.Position = 0;
        var model = StaMLNet.LoadModel(new MLContext(seed: 2), stream, out _);

        var scorer = StaVideoScorer.FromModel(model);
        Assert.Equal(0, scorer.Options.FrontEnd.FirstFrameSearchSide);
        Assert.Equal(32, scorer.Options.FrontEnd.ClipSize);
        var result = await scorer.ScoreVideoAsync(TestVideos.FaceMotionH264);
        Assert.Equal(6, result.Clips.Count);

        // The same clips through the saved pipeline's PredictionEngine give the same scores.
        using var engine = ml.Model.CreatePredictionEngine<PathRow, ScoreRow>(model);
        foreach (var clip in result.Clips)
            Assert.Equal(clip.Probability, engine.Predict(new PathRow { VideoPath = TestVideos.FaceMotionH264, ClipIndex = clip.ClipIndex }).Probability, 4);
        Assert.Throws<ArgumentException>(() => StaVideoScorer.FromModel(loader));
    }

    public sealed class PathRow
    {
        public string VideoPath { get; set; } = "";
        public int ClipIndex { get; set; }
    }

    public sealed class ScoreRow
    {
        public float Probability { get; set; }
    }

    [Fact]
    public async Task CancellationStopsTheRun()
    {
        var scorer = new StaVideoScorer(TestNetworks.RandomTinyStage(), new VideoScoringOptions { FrontEnd = TinyInput });
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => scorer.ScoreFilesAsync([TestVideos.FaceMotionH264], cancel.Token));
    }

    [Fact]
    public void FrontEndMustMatchTheNetworkInput()
    {
        var error = Assert.Throws<ArgumentException>(() => new StaVideoScorer(TestNetworks.RandomTinyStage(), new VideoScoringOptions()));
        Assert.Contains("224", error.Message);
    }

    [Fact]
    public async Task TheClipObserverSeesEveryScoredClipAsTheNetworkSawItBeforeItsBufferIsReused()
    {
        var detector = TestNetworks.RandomTinyStage();
        var seen = new List<(int Video, ClipScore Score, int ClipCount, float[] Clip)>();
        var scorer = new StaVideoScorer(detector, new VideoScoringOptions
        {
            // A queue of one and two workers: buffers go round the pool as fast as they can.
            FrontEnd = TinyInput, BatchSize = 2, FrontEndWorkers = 2, QueueCapacity = 1,
            ClipScored = (video, score, clipCount, clip) => { lock (seen) seen.Add((video, score, clipCount, clip.ToArray())); },
        });

        var results = await scorer.ScoreFilesAsync([TestVideos.FaceMotionH264, FaceClipVideos.NoFace, FaceClipVideos.WithFaceGaps]);

        for (int v = 0; v < results.Count; v++)
        {
            var observed = seen.Where(s => s.Video == v).OrderBy(s => s.Score.ClipIndex).ToList();
            Assert.Equal(results[v].Clips, observed.Select(s => s.Score));
            Assert.All(observed, s => Assert.Equal(results[v].ClipCount, s.ClipCount));
            using var extractor = new FaceClipExtractor(TinyInput);
            var clip = new float[TinyInput.ClipLength];
            var landmarks = new float[TinyInput.LandmarksLength];
            foreach (var s in observed)
            {
                extractor.ExtractClip(results[v].Path, s.Score.ClipIndex, clip, landmarks);
                Assert.Equal(clip, s.Clip);
            }
        }
        Assert.DoesNotContain(seen, s => s.Video == 1); // no face: nothing scored, nothing observed
    }

    [Fact]
    public async Task AClipObserverThatThrowsEndsTheRunWithItsException()
    {
        var detector = TestNetworks.RandomTinyStage();
        var scorer = new StaVideoScorer(detector, new VideoScoringOptions
        {
            FrontEnd = TinyInput, ClipScored = (_, _, _, _) => throw new InvalidOperationException("the caller's observer failed"),
        });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => scorer.ScoreFilesAsync([TestVideos.FaceMotionH264]));
        Assert.Equal("the caller's observer failed", error.Message);
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;
using Sta.MLNet;
using Sta.MLNet.Tests.Data;
using Sta.MLNet.Tests.Pipelines;
using Sta.MLNet.Tests.Video;

namespace Sta.MLNet.Tests.Clips;

public class VideoClipDataViewTests
{
    private static readonly FaceClipOptions FourFrames = new() { Sampling = ClipSamplingOptions.Consecutive with { FramesPerClip = 4 } };

    public sealed class VideoRow
    {
        public string VideoPath { get; set; } = "";
        public float Weight { get; set; }
    }

    [Theory]
    // DeepfakeBench: 32 samples of 40 frames (linspace), clips of 4 samples start at frames 0, 5, 10, ...; clip 2 is
    // frames 10-13, all black, so it is face-less and skipped. Consecutive: clips of frames 0-3, 4-7, ...; each has a face.
    [InlineData(ClipSamplingProtocol.DeepfakeBench, new[] { 0, 5, 15, 20, 25, 30, 35 }, new[] { 0, 1, 3, 4, 5, 6, 7 })]
    [InlineData(ClipSamplingProtocol.Consecutive, new[] { 0, 4, 8, 12, 16, 20, 24, 28, 32, 36 }, new[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 })]
    public void OneRowPerClipAndBadVideosAreReportedAndSkipped(ClipSamplingProtocol protocol, int[] firstFrames, int[] clipIndices)
    {
        var ml = new MLContext(seed: 1);
        var issues = new List<ClipIssue>();
        var videos = ml.Data.LoadFromEnumerable(new[]
        {
            new VideoRow { VideoPath = "/nonexistent/missing.mp4", Weight = 1 },
            new VideoRow { VideoPath = TestVideos.TextFileNamedMp4, Weight = 2 },
            new VideoRow { VideoPath = TestVideos.ThreeFrameH264, Weight = 3 },
            new VideoRow { VideoPath = FaceClipVideos.WithFaceGaps, Weight = 4 },
            new VideoRow { VideoPath = FaceClipVideos.NoFace, Weight = 5 },
        });
        var options = new VideoClipLoaderOptions { FrontEnd = FourFrames with { Sampling = FourFrames.Sampling with { Protocol = protocol } } };
        var clips = (VideoClipDataView)ml.LoadVideoClips(videos, options, new ClipStreamOptions { OnIssue = issue => { lock (issues) issues.Add(issue); } });
        var rows = EstimatorChecks.ReadAll(clips);

        var schema = clips.Schema;
        Assert.All(rows, r => Assert.Equal(FaceClipVideos.WithFaceGaps, r[schema["VideoId"].Index]));
        Assert.All(rows, r => Assert.Equal(4f, r[schema["Weight"].Index]));
        Assert.Equal(firstFrames, rows.Select(r => (int)r[schema["FirstFrame"].Index]!));
        Assert.Equal(clipIndices, rows.Select(r => (int)r[schema["ClipIndex"].Index]!));
        Assert.Contains(rows, r => (int)r[schema["FramesWithoutFace"].Index]! > 0);

        // Missing, non-video and too short: whole video skipped; no face: every clip skipped.
        Assert.Equal(clips.Issues.Count, issues.Count);
        Assert.Contains(issues, i => i.Path.EndsWith("missing.mp4") && i.ClipIndex == -1 && i.Error is VideoDecodeException);
        Assert.Contains(issues, i => i.Path == TestVideos.TextFileNamedMp4 && i.Error is VideoDecodeException);
        Assert.Contains(issues, i => i.Path == TestVideos.ThreeFrameH264 && i.Error is VideoTooShortException);
        if (protocol == ClipSamplingProtocol.DeepfakeBench)
            Assert.Contains(issues, i => i.Path == FaceClipVideos.WithFaceGaps && i.ClipIndex == 2 && i.Error is FacelessClipException);
        var faceless = issues.Where(i => i.Path == FaceClipVideos.NoFace).ToList();
        Assert.NotEmpty(faceless);
        Assert.All(faceless, i => Assert.IsType<FacelessClipException>(i.Error));
    }

    [Fact]
    public void TruncatedVideoKeepsTheClipsThatDecode()
    {
        var ml = new MLContext(seed: 1);
        var videos = ml.Data.LoadFromEnumerable(new[] { new VideoRow { VideoPath = TestVideos.TruncatedWithIndex } });
        var clips = (VideoClipDataView)ml.LoadVideoClips(videos, new VideoClipLoaderOptions
        {
            FrontEnd = FourFrames with { FacelessClips = FacelessClipHandling.EmitBlack },
        });
        var rows = EstimatorChecks.ReadAll(clips, [clips.Schema["ClipIndex"], clips.Schema["ClipCount"], clips.Schema["Clip"]]);
        Assert.NotEmpty(rows);
        var planned = (int)rows[0][1]!;
        // Every planned clip is either delivered or reported, never both, never silently dropped.
        Assert.Equal(planned, rows.Count + clips.Issues.Count);
        Assert.NotEmpty(clips.Issues); // the file announces 60 frames and decodes fewer
        Assert.All(clips.Issues, i => Assert.IsAssignableFrom<VideoDecodeException>(i.Error));
        Assert.Empty(rows.Select(r => (int)r[0]!).Intersect(clips.Issues.Select(i => i.ClipIndex)));
    }

    [Fact]
    public void PlanColumnsAloneDoNotDecode()
    {
        var ml = new MLContext(seed: 1);
        var videos = ml.Data.LoadFromEnumerable(new[] { new VideoRow { VideoPath = FaceClipVideos.NoFace } });
        var progress = new List<ClipStreamProgress>();
        var clips = (VideoClipDataView)ml.LoadVideoClips(videos, new VideoClipLoaderOptions { FrontEnd = FourFrames },
            new ClipStreamOptions { Progress = new SyncProgress<ClipStreamProgress>(progress.Add) });
        // Without pixel columns the face-less clips are listed (nothing is decoded, so nothing is found missing).
        var rows = EstimatorChecks.ReadAll(clips, [clips.Schema["ClipIndex"], clips.Schema["FirstFrame"]]);
        Assert.Equal(6, rows.Count);
        Assert.Empty(clips.Issues);
        Assert.Equal(new ClipStreamProgress(1, 6, 0), progress[^1]);
    }

    [Fact]
    public void CancellationStopsTheStream()
    {
        var ml = new MLContext(seed: 1);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var clips = (VideoClipDataView)ml.LoadVideoClips(ml.Data.LoadFromEnumerable(new[] { new VideoRow { VideoPath = TestVideos.FaceMotionH264 } }),
            new VideoClipLoaderOptions { FrontEnd = FourFrames }, new ClipStreamOptions { CancellationToken = cancel.Token });
        using var cursor = clips.GetRowCursor(clips.Schema);
        Assert.Throws<OperationCanceledException>(() => cursor.MoveNext());
    }

    [Fact]
    public void FolderSourceLabelsShufflesAndReportsBadFiles()
    {
        var root = TestVideos.NewScratchFolder("clip-folder");
        Directory.CreateDirectory(Path.Combine(root, "real"));
        Directory.CreateDirectory(Path.Combine(root, "fake", "nested"));
        File.Copy(TestVideos.FaceMotionH264, Path.Combine(root, "real", "a.mp4"));
        File.Copy(FaceClipVideos.WithFaceGaps, Path.Combine(root, "fake", "nested", "b.mp4"));
        File.Copy(TestVideos.TextFileNamedMp4, Path.Combine(root, "fake", "broken.mp4"));
        var ml = new MLContext(seed: 1);
        var issues = new List<ClipIssue>();
        var source = (VideoClipSourceDataView)ml.LoadVideoClipsFromFolder(root, new VideoClipSourceOptions
        {
            FrontEnd = FourFrames with { Sampling = FourFrames.Sampling with { FramesPerClip = 8 } },
            Stream = new ClipStreamOptions { OnIssue = i => { lock (issues) issues.Add(i); } },
        });
        Assert.True(source.CanShuffle);
        var ordered = EstimatorChecks.ReadAll(source);
        var s = source.Schema;
        var keys = ordered.Select(r => ((string)r[s["VideoId"].Index]!, (int)r[s["ClipIndex"].Index]!, (bool)r[s["Label"].Index]!)).ToList();
        Assert.Equal(6 + 5, keys.Count); // 48 frames -> 6 clips of 8; 40 frames -> 5
        Assert.All(keys.Where(k => k.Item1 == "real_a"), k => Assert.False(k.Item3));
        Assert.All(keys.Where(k => k.Item1 == "fake_nested/b"), k => Assert.True(k.Item3));
        var issue = Assert.Single(issues);
        Assert.Equal("fake_broken", issue.VideoId);
        Assert.IsAssignableFrom<VideoDecodeException>(issue.Error);

        // A shuffled cursor visits the same clips in another order, with the same values for each clip.
        using var cursor = source.GetRowCursor(source.Schema, new Random(3));
        var shuffled = ReadKeys(cursor, s, valueIndex: 1000);
        var expected = ordered.Select(r => ((string)r[s["VideoId"].Index]!, (int)r[s["ClipIndex"].Index]!, ((float[])r[s["Clip"].Index]!)[1000])).ToList();
        Assert.NotEqual(expected, shuffled);
        Assert.Equal(expected.OrderBy(e => e.Item1).ThenBy(e => e.Item2), shuffled.OrderBy(e => e.Item1).ThenBy(e => e.Item2));
    }

    [Fact]
    public void DecodeWorkersGiveTheSameRowsInTheSameOrderAndTheSameIssues()
    {
        var root = TestVideos.NewScratchFolder("clip-workers");
        Directory.CreateDirectory(Path.Combine(root, "real"));
        Directory.CreateDirectory(Path.Combine(root, "fake"));
        File.Copy(TestVideos.FaceMotionH264, Path.Combine(root, "real", "a.mp4"));
        File.Copy(FaceClipVideos.WithFaceGaps, Path.Combine(root, "fake", "b.mp4"));
        File.Copy(FaceClipVideos.NoFace, Path.Combine(root, "fake", "c.mp4"));
        File.Copy(TestVideos.FaceMotionH264, Path.Combine(root, "real", "d.mp4"));
        var ml = new MLContext(seed: 1);
        (List<object?[]> Rows, List<string> Issues, List<(string, int, float)> Shuffled) Read(int workers)
        {
            var issues = new List<string>();
            var source = (VideoClipSourceDataView)ml.LoadVideoClipsFromFolder(root, new VideoClipSourceOptions
            {
                FrontEnd = FourFrames with { Sampling = FourFrames.Sampling with { FramesPerClip = 8 }, FacelessClips = FacelessClipHandling.Reject },
                Stream = new ClipStreamOptions
                {
                    OnIssue = i => { lock (issues) issues.Add($"{i.VideoId}#{i.ClipIndex}: {i.Error.GetType().Name}"); }, DecodeWorkers = workers,
                },
            });
            var rows = EstimatorChecks.ReadAll(source);
            var shuffled = new List<(string, int, float)>();
            using (var cursor = source.GetRowCursor(source.Schema, new Random(11)))
                shuffled.AddRange(ReadKeys(cursor, source.Schema, valueIndex: 777));
            return (rows, issues, shuffled);
        }
        var one = Read(1);
        var three = Read(3);
        Assert.NotEmpty(one.Issues); // the face-less video's clips are reported and skipped
        Assert.Equal(one.Issues, three.Issues);
        Assert.Equal(one.Rows.Count, three.Rows.Count);
        for (int r = 0; r < one.Rows.Count; r++)
            for (int c = 0; c < one.Rows[r].Length; c++)
                Assert.Equal(one.Rows[r][c], three.Rows[r][c]);
        Assert.Equal(one.Shuffled, three.Shuffled);

        // A cursor left early stops its workers (disposal does not hang) and a cancelled stream throws.
        var early = (VideoClipSourceDataView)ml.LoadVideoClipsFromFolder(root, new VideoClipSourceOptions { FrontEnd = FourFrames, Stream = new ClipStreamOptions { DecodeWorkers = 3 } });
        using (var cursor = early.GetRowCursor(early.Schema))
            Assert.True(cursor.MoveNext());
        using var cancel = new CancellationTokenSource();
        var cancelled = (VideoClipSourceDataView)ml.LoadVideoClipsFromFolder(root, new VideoClipSourceOptions
        {
            FrontEnd = FourFrames, Stream = new ClipStreamOptions { CancellationToken = cancel.Token, DecodeWorkers = 2 },
        });
        using var stopped = cancelled.GetRowCursor(cancelled.Schema);
        Assert.True(stopped.MoveNext());
        cancel.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => { while (stopped.MoveNext()) { } });
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.LoadVideoClipsFromFolder(root, new VideoClipSourceOptions { Stream = new ClipStreamOptions { DecodeWorkers = 0 } }));
    }

    [Fact]
    public void LoadVideoClipsDecodingAheadGivesTheRowsIdsOrderAndIssuesOfOneWorker()
    {
        var ml = new MLContext(seed: 1);
        // Cached: a table that can shuffle (an enumerable one cannot), as the error of an unstable input recommends.
        var videos = ml.Data.Cache(ml.Data.LoadFromEnumerable(new[]
        {
            new VideoRow { VideoPath = "/nonexistent/missing.mp4", Weight = 1 },
            new VideoRow { VideoPath = FaceClipVideos.WithFaceGaps, Weight = 2 },
            new VideoRow { VideoPath = TestVideos.ThreeFrameH264, Weight = 3 },
            new VideoRow { VideoPath = FaceClipVideos.NoFace, Weight = 4 },
            new VideoRow { VideoPath = TestVideos.FaceMotionH264, Weight = 5 },
            new VideoRow { VideoPath = TestVideos.TruncatedWithIndex, Weight = 6 },
            new VideoRow { VideoPath = FaceClipVideos.WithFaceGaps, Weight = 7 },
        }));
        Assert.True(videos.CanShuffle);
        var options = new VideoClipLoaderOptions
        {
            FrontEnd = FourFrames with { Sampling = FourFrames.Sampling with { Protocol = ClipSamplingProtocol.DeepfakeBench } },
        };
        (List<object?[]> Rows, List<string> Issues, List<ClipStreamProgress> Progress) Read(int workers, int? shuffleSeed)
        {
            var issues = new List<string>();
            var progress = new List<ClipStreamProgress>();
            var clips = (VideoClipDataView)ml.LoadVideoClips(videos, options, new ClipStreamOptions
            {
                DecodeWorkers = workers,
                OnIssue = i => { lock (issues) issues.Add($"{i.Path}#{i.ClipIndex}: {i.Error.GetType().Name}"); },
                Progress = new SyncProgress<ClipStreamProgress>(p => { lock (progress) progress.Add(p); }),
            });
            return (ReadWithIds(clips, shuffleSeed is { } seed ? new Random(seed) : null), issues, progress);
        }
        foreach (var seed in new int?[] { null, 5 })
        {
            var one = Read(1, seed);
            var three = Read(3, seed);
            Assert.NotEmpty(one.Rows);
            Assert.Contains(one.Issues, i => i.StartsWith("/nonexistent/missing.mp4#-1"));
            Assert.Contains(one.Issues, i => i.Contains(nameof(FacelessClipException)));
            Assert.Equal(one.Issues, three.Issues);
            Assert.Equal(one.Progress[^1], three.Progress[^1]);
            Assert.Equal(one.Rows.Count, three.Rows.Count);
            for (int r = 0; r < one.Rows.Count; r++)
                Assert.Equal(one.Rows[r], three.Rows[r]);
        }
        // A cursor set splits the table; its cursors decode on their own threads (no planning cursor can match a split)
        // and together give the same rows.
        var set = (VideoClipDataView)ml.LoadVideoClips(videos, options, new ClipStreamOptions { DecodeWorkers = 3 });
        var fromSet = new List<(string, int, float)>();
        foreach (var cursor in set.GetRowCursorSet(set.Schema, 3))
        {
            using (cursor)
                fromSet.AddRange(ReadKeys(cursor, set.Schema, valueIndex: 0));
        }
        List<(string, int, float)> single;
        using (var cursor = set.GetRowCursor(set.Schema))
            single = ReadKeys(cursor, set.Schema, valueIndex: 0);
        Assert.Equal(single.Order(), fromSet.Order());

        // The shuffle seed reaches the path table: another visiting order, the same rows.
        var inOrder = Read(2, null).Rows;
        var shuffled = Read(2, 5).Rows;
        Assert.NotEqual(inOrder.Select(r => r[0]), shuffled.Select(r => r[0]));
        Assert.Equal(inOrder.Select(r => r[0]).Order(), shuffled.Select(r => r[0]).Order());
    }

    [Fact]
    public void LoadVideoClipsDecodingAheadStopsCleanlyAndReportsUpstreamErrorsInPlace()
    {
        var ml = new MLContext(seed: 1);
        var paths = new[] { TestVideos.FaceMotionH264, FaceClipVideos.WithFaceGaps, TestVideos.FaceMotionH264, FaceClipVideos.WithFaceGaps };
        var stream = new ClipStreamOptions { DecodeWorkers = 3 };
        var options = new VideoClipLoaderOptions { FrontEnd = FourFrames };

        // Left after one row: disposal stops the workers (it does not hang).
        var clips = (VideoClipDataView)ml.LoadVideoClips(ml.Data.LoadFromEnumerable(paths.Select(p => new VideoRow { VideoPath = p })), options, stream);
        using (var cursor = clips.GetRowCursor(clips.Schema))
            Assert.True(cursor.MoveNext());

        // Cancelled mid-stream: MoveNext throws.
        using var cancel = new CancellationTokenSource();
        var cancellable = (VideoClipDataView)ml.LoadVideoClips(ml.Data.LoadFromEnumerable(paths.Select(p => new VideoRow { VideoPath = p })), options,
            stream with { CancellationToken = cancel.Token });
        using (var cursor = cancellable.GetRowCursor(cancellable.Schema))
        {
            Assert.True(cursor.MoveNext());
            cancel.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => { while (cursor.MoveNext()) { } });
        }

        // An input row that fails (here: its path cannot be read) stops the stream after every clip of the rows before
        // it, as with one worker.
        int RowsBeforeFailure(int workers)
        {
            var failing = ml.Data.LoadFromEnumerable(paths.Select((p, i) => new FailingPathRow(p, failAt: i == 2)));
            var view = (VideoClipDataView)ml.LoadVideoClips(failing, options, new ClipStreamOptions { DecodeWorkers = workers });
            using var cursor = view.GetRowCursor(view.Schema);
            int rows = 0;
            Assert.ThrowsAny<Exception>(() => { while (cursor.MoveNext()) rows++; });
            return rows;
        }
        var expected = RowsBeforeFailure(1);
        Assert.True(expected > 0);
        Assert.Equal(expected, RowsBeforeFailure(3));

        // An input that is not the same for two cursors cannot be followed: a clear error, never misattributed rows.
        int enumerations = 0;
        IEnumerable<VideoRow> Rotating()
        {
            var start = Interlocked.Increment(ref enumerations);
            for (int i = 0; i < paths.Length; i++)
                yield return new VideoRow { VideoPath = paths[(i + start) % paths.Length] };
        }
        var unstable = (VideoClipDataView)ml.LoadVideoClips(ml.Data.LoadFromEnumerable(Rotating()), options, stream);
        using (var cursor = unstable.GetRowCursor(unstable.Schema))
        {
            var error = Assert.Throws<InvalidOperationException>(() => { while (cursor.MoveNext()) { } });
            Assert.Contains("Data.Cache", error.Message);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.LoadVideoClips(ml.Data.LoadFromEnumerable(Rotating()), options,
            new ClipStreamOptions { DecodeWorkers = 0 }));
    }

    public sealed class FailingPathRow
    {
        private readonly string _path;
        private readonly bool _failAt;

        public FailingPathRow()
        {
            _path = "";
        }

        public FailingPathRow(string path, bool failAt)
        {
            _path = path;
            _failAt = failAt;
        }

        public string VideoPath => _failAt ? throw new IOException("the path table cannot be read here") : _path;
    }

    /// <summary>Every column of every row, preceded by the row id (as text).</summary>
    private static List<object?[]> ReadWithIds(IDataView data, Random? rand)
    {
        var columns = data.Schema.ToList();
        using var cursor = data.GetRowCursor(columns, rand);
        var getters = columns.Select(c => EstimatorChecks.ValueReader(cursor, c)).ToList();
        var id = cursor.GetIdGetter();
        var rows = new List<object?[]>();
        while (cursor.MoveNext())
        {
            DataViewRowId rowId = default;
            id(ref rowId);
            rows.Add([rowId.ToString(), .. getters.Select(g => g())]);
        }
        return rows;
    }

    [Fact]
    public void DeepfakeBenchSourceResizesFramesAndScalesLandmarks()
    {
        var tree = new SyntheticDeepfakeBenchTree("clip-dfb");
        tree.AddVideo("Celeb-DF-v2", "CelebDFv2_real", "test", null, "Celeb-real", "id0", Enumerable.Range(0, 16).Select(i => i * 10).ToArray());
        tree.AddVideo("Celeb-DF-v2", "CelebDFv2_fake", "test", null, "Celeb-synthesis", "id1", Enumerable.Range(0, 8).ToArray());
        var json = tree.WriteJson("Celeb-DF-v2.json");
        var ml = new MLContext(seed: 1);
        var source = (VideoClipSourceDataView)ml.LoadDeepfakeBenchClips(json, new DeepfakeBenchOptions { FrameRoot = tree.Root });
        var rows = EstimatorChecks.ReadAll(source);
        var s = source.Schema;
        Assert.Equal(3, rows.Count);
        Assert.Equal(["CelebDFv2_real_id0", "CelebDFv2_real_id0", "CelebDFv2_fake_id1"], rows.Select(r => (string)r[s["VideoId"].Index]!));
        Assert.Equal([false, false, true], rows.Select(r => (bool)r[s["Label"].Index]!));
        Assert.Equal([0, 80, 0], rows.Select(r => (int)r[s["FirstFrame"].Index]!));

        // Frame 80 (clip 1, first frame) is a flat grey 16x16 image of value 80: bicubic keeps it flat.
        var clip = (float[])rows[1][s["Clip"].Index]!;
        var expected = new float[3 * 224 * 224];
        Sta.MLNet.ClipNormalization.Normalize(Enumerable.Repeat((byte)80, 3 * 224 * 224).ToArray(), expected, 1, 224, 224);
        Assert.Equal(expected, clip.AsSpan(0, expected.Length).ToArray());
        // Landmark i of frame n is (i + n, 2 i) in 256 px; scaled by 224/256.
        var landmarks = (float[])rows[1][s["Landmarks"].Index]!;
        Assert.Equal((float)((5 + 80) * (224.0 / 256)), landmarks[5 * 2]);
        Assert.Equal((float)(10 * (224.0 / 256)), landmarks[5 * 2 + 1]);
    }

    [Fact]
    public void CursorSetsSplitTheClipTable()
    {
        var tree = new SyntheticDeepfakeBenchTree("clip-dfb-set");
        for (var v = 0; v < 3; v++)
            tree.AddVideo("UADFV", v == 0 ? "UADFV_Real" : "UADFV_Fake", "test", null, "videos", $"v{v}", Enumerable.Range(0, 32).ToArray());
        var json = tree.WriteJson("UADFV.json");
        var ml = new MLContext(seed: 1);
        var source = (VideoClipSourceDataView)ml.LoadDeepfakeBenchClips(json, new DeepfakeBenchOptions { FrameRoot = tree.Root },
            new VideoClipSourceOptions { FrontEnd = new FaceClipOptions { ClipSize = 32 } });
        var single = Keys(EstimatorChecks.ReadAll(source), source.Schema);
        Assert.Equal(12, single.Count);

        var fromSet = new List<(string, int, float)>();
        var cursors = source.GetRowCursorSet(source.Schema, 2, new Random(5));
        Assert.Equal(2, cursors.Length);
        foreach (var cursor in cursors)
        {
            using (cursor)
                fromSet.AddRange(ReadKeys(cursor, source.Schema, valueIndex: 0));
        }
        Assert.Equal(single.OrderBy(k => k.Item1).ThenBy(k => k.Item2), fromSet.OrderBy(k => k.Item1).ThenBy(k => k.Item2));
    }

    /// <summary>(VideoId, ClipIndex, Clip[valueIndex]) of every row the cursor yields.</summary>
    private static List<(string, int, float)> ReadKeys(DataViewRowCursor cursor, DataViewSchema schema, int valueIndex)
    {
        var keys = new List<(string, int, float)>();
        var id = cursor.GetGetter<ReadOnlyMemory<char>>(schema["VideoId"]);
        var index = cursor.GetGetter<int>(schema["ClipIndex"]);
        var clip = cursor.GetGetter<VBuffer<float>>(schema["Clip"]);
        while (cursor.MoveNext())
        {
            ReadOnlyMemory<char> v = default;
            int c = 0;
            VBuffer<float> pixels = default;
            id(ref v);
            index(ref c);
            clip(ref pixels);
            keys.Add((v.ToString(), c, pixels.GetValues()[valueIndex]));
        }
        return keys;
    }

    private static List<(string, int, float)> Keys(List<object?[]> rows, DataViewSchema schema) =>
        rows.Select(r => ((string)r[schema["VideoId"].Index]!, (int)r[schema["ClipIndex"].Index]!, ((float[])r[schema["Clip"].Index]!)[0])).ToList();

    [Fact]
    public void CsvSourceReadsLabelsAndReportsMissingVideos()
    {
        var folder = TestVideos.NewScratchFolder("clip-csv");
        File.Copy(TestVideos.FaceMotionH264, Path.Combine(folder, "talk.mp4"));
        var csv = Path.Combine(folder, "list.csv");
        File.WriteAllLines(csv, ["path,label", "talk.mp4,FF-DF", "gone.mp4,real"]);
        var ml = new MLContext(seed: 1);
        var source = (VideoClipSourceDataView)ml.LoadVideoClipsFromCsv(csv);
        var s = source.Schema;
        var rows = EstimatorChecks.ReadAll(source, [s["VideoId"], s["Label"], s["ClipIndex"], s["VideoPath"]]);
        Assert.Equal(4, rows.Count); // 48 frames, DeepfakeBench sampling: 32 samples, 4 clips
        Assert.All(rows, r => Assert.Equal("FF-DF_talk", r[0]));
        Assert.All(rows, r => Assert.Equal(true, r[1]));
        Assert.All(rows, r => Assert.Equal(Path.Combine(folder, "talk.mp4"), r[3]));
        var issue = Assert.Single(source.Issues);
        Assert.Equal("real_gone", issue.VideoId);
        Assert.Equal(-1, issue.ClipIndex);
    }

    [Fact]
    public void StreamingAllocatesFarLessThanAClipPerRow()
    {
        // 60 one-frame clips of one video read through a source cursor on this thread: after the first clips, the managed
        // allocations per row are a small fraction of one clip (buffers are reused; nothing per row is retained or copied).
        var root = TestVideos.NewScratchFolder("clip-memory");
        Directory.CreateDirectory(Path.Combine(root, "real"));
        File.Copy(TestVideos.StampedH264, Path.Combine(root, "real", "v.mp4"));
        var ml = new MLContext(seed: 1);
        var source = (VideoClipSourceDataView)ml.LoadVideoClipsFromFolder(root, new VideoClipSourceOptions
        {
            FrontEnd = new FaceClipOptions
            {
                Sampling = ClipSamplingOptions.Consecutive with { FramesPerClip = 1 },
                FacelessClips = FacelessClipHandling.EmitBlack,
            },
        });
        using var cursor = source.GetRowCursor(source.Schema);
        var getter = cursor.GetGetter<VBuffer<float>>(source.Schema["Clip"]);
        VBuffer<float> clip = default;
        long early = 0;
        var rows = 0;
        while (cursor.MoveNext())
        {
            getter(ref clip);
            if (++rows == 5)
                early = GC.GetAllocatedBytesForCurrentThread();
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - early;
        Assert.Equal(60, rows);
        var clipBytes = 3 * 224 * 224 * sizeof(float);
        Assert.True(allocated < (rows - 5) * clipBytes / 10,
            $"{allocated} bytes allocated over {rows - 5} clips ({allocated / (rows - 5)} per clip; one clip is {clipBytes} bytes)");
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

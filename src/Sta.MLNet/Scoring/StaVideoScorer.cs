using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.ML;
using Sta.MLNet.Clips;
using Sta.MLNet.MLNet;
using Sta.MLNet.Video;

namespace Sta.MLNet.Scoring;

/// <summary>
/// Scores video files with a StA detector: every clip of each video (<see cref="FaceClipOptions.Sampling"/>) goes through
/// the face front end and the network; the video score is the mean clip probability. The front end (decode, faces) runs
/// on <see cref="VideoScoringOptions.FrontEndWorkers"/> threads and hands clips to the network through a bounded queue,
/// so CPU work overlaps with the network and memory stays bounded. A bad file never throws: its
/// <see cref="VideoScore.Error"/> or <see cref="VideoScore.Issues"/> say what went wrong and the run goes on.
/// </summary>
public sealed class StaVideoScorer
{
    private readonly StaDetectionTransformer _detector;

    /// <param name="detector">The fitted or loaded detection stage.</param>
    /// <param name="options">Front end and pipeline settings; the clip shape must match the network's input.</param>
    public StaVideoScorer(StaDetectionTransformer detector, VideoScoringOptions? options = null)
    {
        _detector = detector ?? throw new ArgumentNullException(nameof(detector));
        Options = options ?? new VideoScoringOptions();
        Options.Validate();
        var network = detector.Detector.Options;
        if (network.NumFrames != Options.FrontEnd.FramesPerClip || network.InputResolution != Options.FrontEnd.ClipSize)
            throw new ArgumentException(
                $"The network takes {network.NumFrames} frames of {network.InputResolution} px; the front end makes " +
                $"{Options.FrontEnd.FramesPerClip} frames of {Options.FrontEnd.ClipSize} px.", nameof(options));
    }

    /// <summary>
    /// A scorer for a fitted or loaded model: the model's <see cref="StaDetectionTransformer"/> (the last one of a chain)
    /// scores, and when the chain also holds a <see cref="VideoClipLoadingTransformer"/>, its saved front-end options
    /// replace <paramref name="options"/>' FrontEnd, so clips are made exactly as the model was set up to see them.
    /// </summary>
    /// <exception cref="ArgumentException">The model contains no StA detection stage.</exception>
    public static StaVideoScorer FromModel(ITransformer model, VideoScoringOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var stages = Flatten(model).ToList();
        var detector = stages.OfType<StaDetectionTransformer>().LastOrDefault()
            ?? throw new ArgumentException($"The model has no {nameof(StaDetectionTransformer)} stage.", nameof(model));
        options ??= new VideoScoringOptions();
        if (stages.OfType<VideoClipLoadingTransformer>().LastOrDefault() is { } loader)
            options = options with { FrontEnd = loader.Options.FrontEnd };
        return new StaVideoScorer(detector, options);
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer model) => model is IEnumerable<ITransformer> chain
        ? chain.SelectMany(Flatten)
        : [model];

    /// <summary>The scorer's settings.</summary>
    public VideoScoringOptions Options { get; }

    /// <summary>Scores one video file; failures are reported in the result.</summary>
    public async Task<VideoScore> ScoreVideoAsync(string path, CancellationToken cancellationToken = default) =>
        (await ScoreFilesAsync([path], cancellationToken).ConfigureAwait(false))[0];

    /// <summary>Scores every video file under <paramref name="folder"/> (sorted by relative path; see <see cref="VideoScoringOptions.Extensions"/>).</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public Task<IReadOnlyList<VideoScore>> ScoreFolderAsync(string folder, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Video folder not found: {folder}");
        var extensions = new HashSet<string>(Options.Extensions, StringComparer.OrdinalIgnoreCase);
        var files = Directory.EnumerateFiles(folder, "*", Options.Recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
            .Where(f => extensions.Contains(System.IO.Path.GetExtension(f)))
            .OrderBy(f => System.IO.Path.GetRelativePath(folder, f), StringComparer.Ordinal)
            .ToList();
        return ScoreFilesAsync(files, cancellationToken);
    }

    /// <summary>Scores the given video files; results are in input order, one per file.</summary>
    public async Task<IReadOnlyList<VideoScore>> ScoreFilesAsync(IEnumerable<string> paths, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var videos = paths.Select((p, i) => new VideoAccumulator(p, i)).ToArray();
        if (videos.Length == 0)
            return [];
        var queue = Channel.CreateBounded<ClipWork>(new BoundedChannelOptions(Options.QueueCapacity)
        {
            SingleReader = true, FullMode = BoundedChannelFullMode.Wait,
        });
        var buffers = new ConcurrentBag<float[]>();
        var progress = new ProgressCounter(videos.Length, Options.Progress);
        var next = -1;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = linked.Token;

        var workers = Enumerable.Range(0, Math.Min(Options.FrontEndWorkers, videos.Length)).Select(_ => Task.Factory.StartNew(async () =>
        {
            using var extractor = new FaceClipExtractor(Options.FrontEnd);
            var landmarks = new float[Options.FrontEnd.LandmarksLength];
            int index;
            while ((index = Interlocked.Increment(ref next)) < videos.Length)
                await ProduceVideo(extractor, videos[index], landmarks, queue.Writer, buffers, progress, token).ConfigureAwait(false);
        }, token, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()).ToArray();

        var producers = Task.WhenAll(workers).ContinueWith(t => queue.Writer.TryComplete(t.Exception?.GetBaseException()),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var consumer = Task.Factory.StartNew(() => ConsumeAsync(queue.Reader, buffers, progress, token), token,
            TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        try
        {
            await consumer.ConfigureAwait(false);
        }
        catch
        {
            linked.Cancel(); // stop the producers waiting on a queue nobody reads
            throw;
        }
        finally
        {
            await producers.ConfigureAwait(false);
        }
        await Task.WhenAll(workers).ConfigureAwait(false);
        return videos.Select(v => v.ToScore()).ToArray();
    }

    private async Task ProduceVideo(FaceClipExtractor extractor, VideoAccumulator video, float[] landmarks, ChannelWriter<ClipWork> queue,
        ConcurrentBag<float[]> buffers, ProgressCounter progress, CancellationToken token)
    {
        ClipPlan plan;
        video.Started();
        var stopwatch = Stopwatch.StartNew();
        try
        {
            video.Opened(extractor.ReadInfo(video.Path));
            plan = extractor.PlanVideo(video.Path).ThrowIfTooShort(video.Path);
        }
        catch (StaException error)
        {
            video.Fail(error, stopwatch.Elapsed);
            progress.VideoFinished(video);
            return;
        }
        video.Planned(plan);
        for (var c = 0; c < plan.Clips.Count; c++)
        {
            token.ThrowIfCancellationRequested();
            var buffer = buffers.TryTake(out var reused) ? reused : new float[Options.FrontEnd.ClipLength];
            stopwatch.Restart();
            FaceClipInfo info;
            try
            {
                info = extractor.ExtractClip(video.Path, plan, c, buffer, landmarks, token);
            }
            catch (StaException error)
            {
                buffers.Add(buffer);
                if (video.Skip(new ClipIssue(video.Path, video.Path, c, error), stopwatch.Elapsed))
                    progress.VideoFinished(video);
                continue;
            }
            video.AddFrontEndTime(stopwatch.Elapsed);
            await queue.WriteAsync(new ClipWork(video, info, buffer), token).ConfigureAwait(false);
        }
        extractor.CloseVideo();
    }

    private async Task ConsumeAsync(ChannelReader<ClipWork> queue, ConcurrentBag<float[]> buffers, ProgressCounter progress, CancellationToken token)
    {
        var batch = new ClipWork[Options.BatchSize];
        var clips = new float[Options.BatchSize][];
        var results = new (float Score, float Probability)[Options.BatchSize];
        while (await queue.WaitToReadAsync(token).ConfigureAwait(false))
        {
            var count = 0;
            while (count < batch.Length && queue.TryRead(out var work))
            {
                batch[count] = work;
                clips[count] = work.Clip;
                count++;
            }
            if (count == 0)
                continue;
            var stopwatch = Stopwatch.StartNew();
            _detector.ScoreBatch(clips, count, results, null);
            var share = stopwatch.Elapsed / count;
            for (var i = 0; i < count; i++)
            {
                var work = batch[i];
                buffers.Add(work.Clip);
                progress.ClipScored();
                if (work.Video.Scored(new ClipScore(work.Info.ClipIndex, work.Info.FirstFrame, results[i].Score, results[i].Probability,
                        work.Info.FacesFound, work.Info.FramesWithoutFace), share))
                    progress.VideoFinished(work.Video);
                batch[i] = default;
                clips[i] = null!;
            }
        }
    }

    private readonly record struct ClipWork(VideoAccumulator Video, FaceClipInfo Info, float[] Clip);

    /// <summary>Progress counts shared by the producers and the consumer.</summary>
    private sealed class ProgressCounter(int videoCount, IProgress<VideoScoringProgress>? progress)
    {
        private int _videosDone;
        private long _clipsScored;

        public void ClipScored() => Interlocked.Increment(ref _clipsScored);

        public void VideoFinished(VideoAccumulator video)
        {
            var done = Interlocked.Increment(ref _videosDone);
            progress?.Report(new VideoScoringProgress(done, videoCount, Interlocked.Read(ref _clipsScored), video.ToScore(), video.Index));
        }
    }

    /// <summary>One video's results as they arrive from the front end and the network (thread-safe).</summary>
    private sealed class VideoAccumulator(string path, int index)
    {
        /// <summary>Position in the scorer's input.</summary>
        public int Index { get; } = index;

        private readonly object _gate = new();
        private readonly List<ClipScore> _clips = [];
        private readonly List<ClipIssue> _issues = [];
        private StaException? _error;
        private int _planned = -1;
        private VideoInfo? _info;
        private ClipPlan? _plan;
        private TimeSpan _frontEnd;
        private TimeSpan _network;
        private long _started;
        private long _finished;

        public string Path { get; } = path;

        /// <summary>A front-end worker takes the video up.</summary>
        public void Started()
        {
            lock (_gate) _started = Stopwatch.GetTimestamp();
        }

        public void Fail(StaException error, TimeSpan elapsed)
        {
            lock (_gate)
            {
                _error = error;
                _planned = 0;
                _frontEnd += elapsed;
                _finished = Stopwatch.GetTimestamp();
            }
        }

        public void Opened(VideoInfo info)
        {
            lock (_gate) _info = info;
        }

        public void Planned(ClipPlan plan)
        {
            lock (_gate)
            {
                _plan = plan;
                _planned = plan.Clips.Count;
            }
        }

        public void AddFrontEndTime(TimeSpan elapsed)
        {
            lock (_gate) _frontEnd += elapsed;
        }

        /// <summary>Records a skipped clip; true when this was the video's last outstanding clip.</summary>
        public bool Skip(ClipIssue issue, TimeSpan elapsed)
        {
            lock (_gate)
            {
                _issues.Add(issue);
                _frontEnd += elapsed;
                return Completes();
            }
        }

        /// <summary>Records a scored clip; true when this was the video's last outstanding clip.</summary>
        public bool Scored(ClipScore score, TimeSpan networkShare)
        {
            lock (_gate)
            {
                _clips.Add(score);
                _network += networkShare;
                return Completes();
            }
        }

        private bool Completes()
        {
            if (_planned < 0 || _clips.Count + _issues.Count != _planned) return false;
            _finished = Stopwatch.GetTimestamp();
            return true;
        }

        public VideoScore ToScore()
        {
            lock (_gate)
            {
                return new VideoScore(Path, _clips.OrderBy(c => c.ClipIndex).ToArray(), Math.Max(0, _planned),
                    _issues.OrderBy(i => i.ClipIndex).ToArray(), _error, _frontEnd, _network)
                {
                    Info = _info, Plan = _plan,
                    WallTime = _started != 0 && _finished >= _started ? Stopwatch.GetElapsedTime(_started, _finished) : TimeSpan.Zero,
                };
            }
        }
    }
}

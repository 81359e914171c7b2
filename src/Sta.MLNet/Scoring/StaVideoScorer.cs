using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.ML;

namespace Sta.MLNet;

/// <summary>
/// Scores video files with a StA detector: every clip of each video (<see cref="FaceClipOptions.Sampling"/>) goes through
/// the face front end and the network; the video score is the mean clip probability. The front end (decode, faces) runs
/// on <see cref="VideoScoringOptions.FrontEndWorkers"/> dedicated threads and hands clips to the network, on one more
/// thread, through a bounded queue, so CPU work overlaps with the network and memory stays bounded. A bad file never
/// throws, whatever fails on it: its <see cref="VideoScore.Error"/> or <see cref="VideoScore.Issues"/> say what went
/// wrong and the run goes on (see <see cref="ScoreFilesAsync"/> for what does end a run).
/// </summary>
public sealed class StaVideoScorer
{
    private readonly Func<FaceClipOptions, IScoringFrontEnd> _frontEnds;
    private readonly BatchScorer _network;

    /// <summary>Scores <paramref name="count"/> clips into <paramref name="results"/> (logit(fake) - logit(real), probability).</summary>
    internal delegate void BatchScorer(float[][] clips, int count, (float Score, float Probability)[] results);

    /// <param name="detector">The fitted or loaded detection stage.</param>
    /// <param name="options">Front end and pipeline settings; the clip shape must match the network's input.</param>
    public StaVideoScorer(StaDetectionTransformer detector, VideoScoringOptions? options = null)
        : this(detector, options, frontEnds: null, network: null)
    {
    }

    /// <summary>A scorer whose front end or network a test replaces (null: the real one).</summary>
    internal StaVideoScorer(StaDetectionTransformer detector, VideoScoringOptions? options, Func<FaceClipOptions, IScoringFrontEnd>? frontEnds,
        BatchScorer? network)
        : this((detector ?? throw new ArgumentNullException(nameof(detector))).Detector.Options.NumFrames, detector.Detector.Options.InputResolution,
            options, frontEnds, network ?? ((clips, count, results) => detector.ScoreBatch(clips, count, results, null)))
    {
    }

    /// <summary>
    /// A scorer over any network that takes clips of <paramref name="framesPerClip"/> frames of <paramref name="clipSize"/>
    /// pixels (the ONNX Runtime one of Sta.MLNet.Onnx, which must not touch libtorch).
    /// </summary>
    internal StaVideoScorer(int framesPerClip, int clipSize, VideoScoringOptions? options, Func<FaceClipOptions, IScoringFrontEnd>? frontEnds,
        BatchScorer network)
    {
        _frontEnds = frontEnds ?? (frontEnd => new ExtractorFrontEnd(frontEnd));
        _network = network ?? throw new ArgumentNullException(nameof(network));
        Options = options ?? new VideoScoringOptions();
        Options.Validate();
        if (framesPerClip != Options.FrontEnd.FramesPerClip || clipSize != Options.FrontEnd.ClipSize)
            throw new ArgumentException(
                $"The network takes {framesPerClip} frames of {clipSize} px; the front end makes " +
                $"{Options.FrontEnd.FramesPerClip} frames of {Options.FrontEnd.ClipSize} px.", nameof(options));
    }

    /// <summary>
    /// A scorer for a fitted or loaded model: the model's <see cref="StaDetectionTransformer"/> (the last one of a chain)
    /// scores, and when the chain also holds a video clip loading stage (<see cref="StaCatalog.ExtractFaceClip(MLContext, VideoClipLoaderOptions)"/>), its saved front-end options
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

    /// <summary>
    /// Scores the given video files; results are in input order, one per file. Whatever one file throws (OpenCV, FFmpeg,
    /// file system, face models, the network on its clips) becomes that file's <see cref="VideoScore.Error"/> and the run
    /// goes on. Only these end the run, and are thrown here once every thread has ended and every file is closed:
    /// cancellation through <paramref name="cancellationToken"/> (OperationCanceledException); an
    /// <see cref="OutOfMemoryException"/> (the process, not a file, is then in trouble); a front end that cannot be set
    /// up at all (e.g. a missing face model file), which no file could get past; an exception thrown by the caller's
    /// <see cref="VideoScoringOptions.Progress"/> or <see cref="VideoScoringOptions.ClipScored"/>. Videos already reported
    /// through Progress keep their results.
    /// </summary>
    public async Task<IReadOnlyList<VideoScore>> ScoreFilesAsync(IEnumerable<string> paths, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var videos = paths.Select((p, i) => new VideoAccumulator(p, i)).ToArray();
        if (videos.Length == 0)
            return [];
        cancellationToken.ThrowIfCancellationRequested();
        return await new ScoringRun(this, videos, cancellationToken).Start().ConfigureAwait(false);
    }

    /// <summary>
    /// Whether an exception thrown while handling one file stays that file's failure: all but the run's own
    /// cancellation and running out of memory.
    /// </summary>
    private static bool IsFileFault(Exception error, CancellationToken runToken) =>
        error is not OutOfMemoryException && !(error is OperationCanceledException && runToken.IsCancellationRequested);

    private static bool IsFinite((float Score, float Probability) result) =>
        float.IsFinite(result.Score) && float.IsFinite(result.Probability) && result.Probability is >= 0 and <= 1;

    /// <summary>
    /// One scoring run: <see cref="VideoScoringOptions.FrontEndWorkers"/> threads of its own turn videos into clips and
    /// block on a bounded queue; one more thread batches the queue through the network. Every thread blocks instead of
    /// awaiting, so no front-end or network work ever runs on the thread pool (a slow decode cannot starve it, and each
    /// worker's OpenCV and libtorch calls stay on one thread). The network thread, last to finish, completes the task
    /// the caller awaits; the caller's continuation runs asynchronously, never on these threads.
    /// </summary>
    private sealed class ScoringRun
    {
        private readonly StaVideoScorer _scorer;
        private readonly VideoAccumulator[] _videos;
        private readonly CancellationToken _callerToken;
        private readonly CancellationTokenSource _stop;
        private readonly BlockingCollection<ClipWork> _queue;
        private readonly ConcurrentBag<float[]> _buffers = [];
        private readonly ProgressCounter _progress;
        private readonly TaskCompletionSource<IReadOnlyList<VideoScore>> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Thread[] _workers = [];
        private int _next = -1;
        private int _producing;
        private Exception? _fault;

        public ScoringRun(StaVideoScorer scorer, VideoAccumulator[] videos, CancellationToken cancellationToken)
        {
            _scorer = scorer;
            _videos = videos;
            _callerToken = cancellationToken;
            _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _queue = new BlockingCollection<ClipWork>(new ConcurrentQueue<ClipWork>(), scorer.Options.QueueCapacity);
            _progress = new ProgressCounter(videos.Length, scorer.Options.Progress);
        }

        private VideoScoringOptions Options => _scorer.Options;

        public Task<IReadOnlyList<VideoScore>> Start()
        {
            var workerCount = Math.Min(Options.FrontEndWorkers, _videos.Length);
            _producing = workerCount;
            _workers = Enumerable.Range(0, workerCount)
                .Select(i => new Thread(Produce) { IsBackground = true, Name = $"sta-score-frontend-{i}" })
                .ToArray();
            var consumer = new Thread(Consume) { IsBackground = true, Name = "sta-score-network" };
            foreach (var worker in _workers)
                worker.Start();
            consumer.Start();
            return _completion.Task;
        }

        /// <summary>A front-end thread: takes videos until none is left; only run-level failures leave this loop early.</summary>
        private void Produce()
        {
            try
            {
                using var frontEnd = _scorer._frontEnds(Options.FrontEnd);
                frontEnd.Prepare();
                var landmarks = new float[Options.FrontEnd.LandmarksLength];
                int index;
                while ((index = Interlocked.Increment(ref _next)) < _videos.Length)
                {
                    _stop.Token.ThrowIfCancellationRequested();
                    ProduceVideo(frontEnd, _videos[index], landmarks);
                }
            }
            catch (Exception error)
            {
                Fault(error);
            }
            finally
            {
                if (Interlocked.Decrement(ref _producing) == 0)
                    _queue.CompleteAdding();
            }
        }

        /// <summary>
        /// One video's clips into the queue. A clip the front end rejects with a typed error (frames that do not decode,
        /// no face) is left out and the video goes on, as those errors are understood; any other exception, at any step,
        /// fails the whole video: its clips stop, and a video that is failed produces no score, so nothing made from a
        /// file that the front end did not understand is scored. A clip reaches the queue only after every step
        /// succeeded; the buffer of a clip that failed midway goes back to the pool and is overwritten before reuse.
        /// </summary>
        private void ProduceVideo(IScoringFrontEnd frontEnd, VideoAccumulator video, float[] landmarks)
        {
            var token = _stop.Token;
            var stage = VideoScoringStage.Open;
            int? clipIndex = null;
            video.Started();
            var stopwatch = Stopwatch.StartNew();
            try
            {
                video.Opened(frontEnd.Open(video.Path));
                stage = VideoScoringStage.Plan;
                var plan = frontEnd.Plan(video.Path).ThrowIfTooShort(video.Path);
                video.Planned(plan);
                for (var c = 0; c < plan.Clips.Count && !video.HasFailed; c++)
                {
                    token.ThrowIfCancellationRequested();
                    clipIndex = c;
                    stopwatch.Restart();
                    var buffer = _buffers.TryTake(out var reused) ? reused : new float[Options.FrontEnd.ClipLength];
                    var queued = false;
                    try
                    {
                        stage = VideoScoringStage.Decode;
                        var frames = frontEnd.Decode(video.Path, plan.Clips[c]);
                        FaceClipInfo info;
                        try
                        {
                            stage = VideoScoringStage.Faces;
                            info = frontEnd.Process(frames, video.Path, c, plan.Clips.Count, plan.Clips[c][0], buffer, landmarks, token);
                        }
                        finally
                        {
                            foreach (var frame in frames)
                                frame.Dispose();
                        }
                        video.AddFrontEndTime(stopwatch.Elapsed);
                        video.Queued();
                        _queue.Add(new ClipWork(video, info, buffer), token);
                        queued = true;
                    }
                    catch (StaException error)
                    {
                        video.Skip(new ClipIssue(video.Path, video.Path, c, error), stopwatch.Elapsed);
                    }
                    finally
                    {
                        if (!queued)
                            _buffers.Add(buffer);
                    }
                }
            }
            catch (StaException error) when (clipIndex is null)
            {
                video.Fail(error, stopwatch.Elapsed);
            }
            catch (Exception error) when (IsFileFault(error, token))
            {
                video.Fail(VideoScoringException.From(video.Path, stage, clipIndex, error), stopwatch.Elapsed);
            }
            finally
            {
                ReleaseVideo(frontEnd, video, stage, clipIndex, token);
            }
            if (video.FrontEndDone())
                _progress.VideoFinished(video);
        }

        /// <summary>Closes the video's capture and frames now, whether it succeeded or failed, so bad files cannot pile them up.</summary>
        private static void ReleaseVideo(IScoringFrontEnd frontEnd, VideoAccumulator video, VideoScoringStage stage, int? clipIndex, CancellationToken token)
        {
            try
            {
                frontEnd.Close();
            }
            catch (Exception error) when (IsFileFault(error, token))
            {
                // Native code that cannot release this file's decoder is this file's failure too (an earlier error stays first).
                video.Fail(VideoScoringException.From(video.Path, stage, clipIndex, error), TimeSpan.Zero);
            }
        }

        /// <summary>The network thread: batches whatever clips are waiting (up to BatchSize) until the producers are done.</summary>
        private void Consume()
        {
            try
            {
                var batch = new ClipWork[Options.BatchSize];
                var token = _stop.Token;
                while (_queue.TryTake(out var first, Timeout.Infinite, token))
                {
                    var count = 0;
                    batch[count++] = first;
                    while (count < batch.Length && _queue.TryTake(out var more))
                        batch[count++] = more;
                    ScoreBatch(batch, count, token);
                    Array.Clear(batch, 0, count);
                }
            }
            catch (Exception error)
            {
                Fault(error);
            }
            finally
            {
                Finish();
            }
        }

        /// <summary>
        /// Scores one batch. When the batch throws or yields a non-finite result, each of its clips is scored alone, so
        /// one bad clip (or a fault it triggers) fails only its own video; a clip that fails alone fails its video with
        /// a <see cref="VideoScoringStage.Network"/> error, and the other videos of the batch keep their scores.
        /// </summary>
        private void ScoreBatch(ClipWork[] batch, int count, CancellationToken token)
        {
            var clips = new float[count][];
            var results = new (float Score, float Probability)[count];
            var failures = new StaException?[count];
            for (var i = 0; i < count; i++)
                clips[i] = batch[i].Clip;
            var stopwatch = Stopwatch.StartNew();
            var error = RunNetwork(clips, count, results, token);
            if (error is not null || !results.All(IsFinite))
            {
                if (count == 1)
                {
                    failures[0] = NetworkFailure(batch[0], error, results[0]);
                }
                else
                {
                    var single = new float[1][];
                    var result = new (float Score, float Probability)[1];
                    for (var i = 0; i < count; i++)
                    {
                        single[0] = clips[i];
                        var alone = RunNetwork(single, 1, result, token);
                        results[i] = result[0];
                        if (alone is not null || !IsFinite(result[0]))
                            failures[i] = NetworkFailure(batch[i], alone, result[0]);
                    }
                }
            }
            var share = stopwatch.Elapsed / count;
            for (var i = 0; i < count; i++)
            {
                var work = batch[i];
                bool finished;
                if (failures[i] is { } failure)
                {
                    _buffers.Add(work.Clip);
                    finished = work.Video.NetworkFailed(failure, share);
                }
                else
                {
                    _progress.ClipScored();
                    var score = new ClipScore(work.Info.ClipIndex, work.Info.FirstFrame, results[i].Score,
                        results[i].Probability, work.Info.FacesFound, work.Info.FramesWithoutFace);
                    // The observer reads the buffer, so it goes back to the producers' pool only afterwards.
                    Options.ClipScored?.Invoke(work.Video.Index, score, work.Info.ClipCount, work.Clip);
                    _buffers.Add(work.Clip);
                    finished = work.Video.Scored(score, share);
                }
                if (finished)
                    _progress.VideoFinished(work.Video);
            }
        }

        /// <summary>The network on <paramref name="count"/> clips; the exception it threw for them, or null.</summary>
        private Exception? RunNetwork(float[][] clips, int count, (float Score, float Probability)[] results, CancellationToken token)
        {
            try
            {
                _scorer._network(clips, count, results);
                return null;
            }
            catch (Exception error) when (IsFileFault(error, token))
            {
                return error;
            }
        }

        private static VideoScoringException NetworkFailure(ClipWork work, Exception? error, (float Score, float Probability) result) =>
            error is not null
                ? VideoScoringException.From(work.Video.Path, VideoScoringStage.Network, work.Info.ClipIndex, error)
                : new VideoScoringException(work.Video.Path, VideoScoringStage.Network, work.Info.ClipIndex,
                    $"the network returned score {result.Score} and probability {result.Probability} for the clip, not a finite score");

        /// <summary>Records the failure that ends the run (the first one wins) and stops every thread.</summary>
        private void Fault(Exception error)
        {
            Interlocked.CompareExchange(ref _fault, error, null);
            _stop.Cancel();
        }

        /// <summary>Runs last, on the network thread: waits for the front-end threads, then completes the caller's task.</summary>
        private void Finish()
        {
            // A network thread that stopped early would leave producers blocked on a full queue; the stop token frees them.
            if (Volatile.Read(ref _fault) is not null)
                _stop.Cancel();
            foreach (var worker in _workers)
                worker.Join();
            var fault = Volatile.Read(ref _fault);
            _queue.Dispose();
            _stop.Dispose();
            if (fault is null)
                _completion.TrySetResult(_videos.Select(v => v.ToScore()).ToArray());
            else if (fault is OperationCanceledException && _callerToken.IsCancellationRequested)
                _completion.TrySetCanceled(_callerToken);
            else
                _completion.TrySetException(fault);
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

    /// <summary>
    /// One video's results as they arrive from the front end and the network (thread-safe). The video is finished once
    /// its front-end worker is done with it and every clip it queued has come back from the network.
    /// </summary>
    private sealed class VideoAccumulator(string path, int index)
    {
        /// <summary>Position in the scorer's input.</summary>
        public int Index { get; } = index;

        private readonly object _gate = new();
        private readonly List<ClipScore> _clips = [];
        private readonly List<ClipIssue> _issues = [];
        private StaException? _error;
        private int _planned;
        private VideoInfo? _info;
        private ClipPlan? _plan;
        private TimeSpan _frontEnd;
        private TimeSpan _network;
        private long _started;
        private long _finished;
        private int _inFlight;
        private bool _frontEndDone;
        private bool _reported;

        public string Path { get; } = path;

        /// <summary>Whether a step has failed the video (its remaining clips are not made).</summary>
        public bool HasFailed
        {
            get
            {
                lock (_gate) return _error is not null;
            }
        }

        /// <summary>A front-end worker takes the video up.</summary>
        public void Started()
        {
            lock (_gate) _started = Stopwatch.GetTimestamp();
        }

        /// <summary>Fails the whole video; the first failure is the one reported.</summary>
        public void Fail(StaException error, TimeSpan elapsed)
        {
            lock (_gate)
            {
                _error ??= error;
                _frontEnd += elapsed;
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

        /// <summary>Records a clip left out with a typed front-end error.</summary>
        public void Skip(ClipIssue issue, TimeSpan elapsed)
        {
            lock (_gate)
            {
                _issues.Add(issue);
                _frontEnd += elapsed;
            }
        }

        /// <summary>A clip is about to enter the queue (counted first, so the network cannot report it back before).</summary>
        public void Queued()
        {
            lock (_gate) _inFlight++;
        }

        /// <summary>Records a scored clip; true when this finished the video.</summary>
        public bool Scored(ClipScore score, TimeSpan networkShare)
        {
            lock (_gate)
            {
                _inFlight--;
                _clips.Add(score);
                _network += networkShare;
                return TryFinish();
            }
        }

        /// <summary>Fails the video for a clip the network could not score; true when this finished the video.</summary>
        public bool NetworkFailed(StaException error, TimeSpan networkShare)
        {
            lock (_gate)
            {
                _inFlight--;
                _error ??= error;
                _network += networkShare;
                return TryFinish();
            }
        }

        /// <summary>The front-end worker is done with the video; true when this finished it.</summary>
        public bool FrontEndDone()
        {
            lock (_gate)
            {
                _frontEndDone = true;
                return TryFinish();
            }
        }

        private bool TryFinish()
        {
            if (_reported || !_frontEndDone || _inFlight > 0) return false;
            _reported = true;
            _finished = Stopwatch.GetTimestamp();
            return true;
        }

        public VideoScore ToScore()
        {
            lock (_gate)
            {
                // A failed video reports no clip scores: a score from the part of a file read before it failed is not
                // the file's score.
                ClipScore[] clips = _error is null ? [.. _clips.OrderBy(c => c.ClipIndex)] : [];
                return new VideoScore(Path, clips, _planned, _issues.OrderBy(i => i.ClipIndex).ToArray(), _error, _frontEnd, _network)
                {
                    Info = _info, Plan = _plan,
                    WallTime = _started != 0 && _finished >= _started ? Stopwatch.GetElapsedTime(_started, _finished) : TimeSpan.Zero,
                };
            }
        }
    }
}

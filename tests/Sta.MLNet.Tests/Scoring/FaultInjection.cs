using System.Collections.Concurrent;
using OpenCvSharp;
using Sta.MLNet;

namespace Sta.MLNet.Tests.Scoring;

/// <summary>
/// Watches a scoring run's front ends and network: which thread each call ran on, that every opened video is closed
/// and every decoded frame disposed, and what the network was given; and throws where a test asks it to.
/// </summary>
internal sealed class FaultInjection
{
    /// <summary>Written over the first half of a clip before a face-stage fault: must never reach the network.</summary>
    public const float HalfFilledMarker = -12345f;

    private readonly ConcurrentBag<Mat> _decoded = [];
    private int _poolThreadCalls;
    private int _opened;
    private int _closed;
    private int _created;
    private int _disposed;
    private int _halfFilledClipsScored;
    private long _clipsScored;

    /// <summary>The exception to throw at a step of a video (clip null for Open and Plan), or null to run it.</summary>
    public Func<string, VideoScoringStage, int?, Exception?> FrontEndFault { get; init; } = (_, _, _) => null;

    /// <summary>Changes a made clip before it is queued (e.g. to poison it for the network); default none.</summary>
    public Action<string, int, Span<float>> AfterProcess { get; init; } = (_, _, _) => { };

    /// <summary>The exception the network throws for a batch containing a clip for which this is true.</summary>
    public Func<float[], Exception?> NetworkFault { get; init; } = _ => null;

    public int PoolThreadCalls => Volatile.Read(ref _poolThreadCalls);
    public int Opened => Volatile.Read(ref _opened);
    public int Closed => Volatile.Read(ref _closed);
    public int Created => Volatile.Read(ref _created);
    public int Disposed => Volatile.Read(ref _disposed);
    public int HalfFilledClipsScored => Volatile.Read(ref _halfFilledClipsScored);
    public long ClipsScored => Interlocked.Read(ref _clipsScored);

    /// <summary>Decoded frames the scorer has not disposed.</summary>
    public int UndisposedFrames => _decoded.Count(m => !m.IsDisposed);

    public StaVideoScorer Scorer(StaDetectionTransformer detector, VideoScoringOptions options) =>
        new(detector, options, frontEnd => new Watched(this, new ExtractorFrontEnd(frontEnd)), (clips, count, results) =>
        {
            NoteThread();
            for (var i = 0; i < count; i++)
                if (clips[i][0] == HalfFilledMarker) Interlocked.Increment(ref _halfFilledClipsScored);
            for (var i = 0; i < count; i++)
                if (NetworkFault(clips[i]) is { } fault) throw fault;
            Interlocked.Add(ref _clipsScored, count);
            detector.ScoreBatch(clips, count, results, null);
        });

    private void NoteThread()
    {
        if (Thread.CurrentThread.IsThreadPoolThread) Interlocked.Increment(ref _poolThreadCalls);
    }

    private sealed class Watched : IScoringFrontEnd
    {
        private readonly FaultInjection _owner;
        private readonly IScoringFrontEnd _inner;
        private bool _open;
        private ClipPlan? _plan;

        public Watched(FaultInjection owner, IScoringFrontEnd inner)
        {
            _owner = owner;
            _inner = inner;
            Interlocked.Increment(ref owner._created);
        }

        public void Prepare()
        {
            _owner.NoteThread();
            _inner.Prepare();
        }

        public VideoInfo Open(string path)
        {
            _owner.NoteThread();
            // Counted before the step runs: a failed open still has to be closed.
            if (!_open) Interlocked.Increment(ref _owner._opened);
            _open = true;
            ThrowIfAsked(path, VideoScoringStage.Open, null);
            return _inner.Open(path);
        }

        public ClipPlan Plan(string path)
        {
            _owner.NoteThread();
            ThrowIfAsked(path, VideoScoringStage.Plan, null);
            _plan = _inner.Plan(path);
            return _plan;
        }

        public Mat[] Decode(string path, IReadOnlyList<int> frameIndices)
        {
            _owner.NoteThread();
            ThrowIfAsked(path, VideoScoringStage.Decode, ClipOf(frameIndices));
            var frames = _inner.Decode(path, frameIndices);
            foreach (var frame in frames) _owner._decoded.Add(frame);
            return frames;
        }

        public FaceClipInfo Process(IReadOnlyList<Mat> frames, string path, int clipIndex, int clipCount, int firstFrame, Span<float> clip,
            Span<float> landmarks, CancellationToken cancellationToken)
        {
            _owner.NoteThread();
            var info = _inner.Process(frames, path, clipIndex, clipCount, firstFrame, clip, landmarks, cancellationToken);
            if (_owner.FrontEndFault(path, VideoScoringStage.Faces, clipIndex) is { } fault)
            {
                // A failure midway through writing the clip: the buffer holds half a clip.
                clip[..(clip.Length / 2)].Fill(HalfFilledMarker);
                throw fault;
            }
            _owner.AfterProcess(path, clipIndex, clip);
            return info;
        }

        public void Close()
        {
            _owner.NoteThread();
            if (_open) Interlocked.Increment(ref _owner._closed);
            _open = false;
            _inner.Close();
        }

        public void Dispose()
        {
            Interlocked.Increment(ref _owner._disposed);
            _inner.Dispose();
        }

        private void ThrowIfAsked(string path, VideoScoringStage stage, int? clip)
        {
            if (_owner.FrontEndFault(path, stage, clip) is { } fault) throw fault;
        }

        private int ClipOf(IReadOnlyList<int> frameIndices)
        {
            var clips = _plan!.Clips;
            for (var i = 0; i < clips.Count; i++)
                if (ReferenceEquals(clips[i], frameIndices) || clips[i].SequenceEqual(frameIndices)) return i;
            throw new InvalidOperationException("The scorer decoded frames that are not a clip of the plan.");
        }
    }
}

using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>
/// Decodes chosen frames of one video file with OpenCV's FFmpeg backend, streaming: it holds one decoded frame at a
/// time and decodes only what the requested indices need. Frames come out as RGB <see cref="Mat"/>s
/// (<see cref="VideoFrame"/>).
/// </summary>
/// <remarks>
/// <para>Frame index i means the i-th frame of sequential decoding; that is the reference every read is held to.
/// Short forward jumps decode forward (<see cref="VideoReaderOptions.MaxForwardDecodeGap"/>); longer or backward
/// jumps seek with <c>CAP_PROP_POS_FRAMES</c>. OpenCV's seek is not exact in general: it converts the index to a
/// time with the average frame rate, so in a variable-frame-rate file it can land on another frame while its
/// position property claims success (measured: 21 of 51 seeks wrong in a variable-rate H.264 MKV), and past the end
/// of a truncated file it returns the last decodable frame. Every seek is therefore verified: opening demuxes the
/// file once (no decoding) to learn each frame's timestamp (<see cref="VideoInfo.FrameCount"/> comes from the same
/// scan), and a seek is accepted only if the decoded frame carries the requested frame's timestamp. A rejected seek
/// makes the reader restart from frame 0, decode forward, and stop seeking in that file. Files whose timestamps
/// cannot identify frames (missing or repeated timestamps) are always read forward. Measured on constant-rate H.264
/// (3 and 8 B-frames, open GOP), MPEG-4 part 2 and MJPG, and on an evenly thinned variable-rate H.264 MP4: every
/// seek accepted and bit-identical to sequential decoding.</para>
/// <para>A frame that cannot be decoded is never replaced by another (the last good one, a black one):
/// <see cref="VideoFramesUnavailableException"/> says which requested frames were delivered. Frames whose size
/// differs from the first frame's count as undecodable.</para>
/// <para>Not thread-safe: use one reader per thread.</para>
/// </remarks>
internal sealed class VideoReader : IDisposable
{
    private readonly string _path;
    private readonly VideoReaderOptions _options;
    private VideoCapture _capture;
    private readonly Mat _bgr = new();
    private readonly PacketTimeline? _timeline;
    // Index of the frame the next Read/Grab returns.
    private int _nextIndex;
    // True while _bgr holds frame _nextIndex - 1 (lets a repeated request reuse it without decoding again).
    private bool _bgrHoldsPrevious;
    private bool _seekingTrusted;
    private bool _disposed;

    private VideoReader(string path, VideoReaderOptions options)
    {
        _path = path;
        _options = options;
        // A file that fails anywhere here (missing, unreadable, an OpenCV error while demuxing or probing) must not
        // keep its capture or frame buffer until a finalizer runs: a batch of bad files would pile them up.
        try
        {
            if (options.MaxForwardDecodeGap < 0)
                throw new ArgumentOutOfRangeException(nameof(options), options.MaxForwardDecodeGap, "MaxForwardDecodeGap must be >= 0.");
            if (!File.Exists(path))
                throw new VideoDecodeException(path, VideoDecodeFailure.FileNotFound, "The video file does not exist");
            if (new FileInfo(path).Length == 0)
                throw new VideoDecodeException(path, VideoDecodeFailure.EmptyFile, "The video file is empty (0 bytes)");

            _timeline = PacketTimeline.Scan(path);
            _capture = OpenCapture(path);
            Info = Probe(path);
        }
        catch
        {
            _capture?.Dispose();
            _bgr.Dispose();
            throw;
        }
    }

    /// <summary>Opens a video: demuxes it once for its frame timestamps and checks that its first frame decodes.</summary>
    /// <exception cref="VideoDecodeException">Missing, empty, unreadable file; no frames; undecodable codec.</exception>
    public static VideoReader Open(string path, VideoReaderOptions? options = null) =>
        new(path ?? throw new ArgumentNullException(nameof(path)), options ?? new VideoReaderOptions());

    /// <summary>Opens, probes and closes a video: its <see cref="VideoInfo"/> at the cost of decoding one frame.</summary>
    public static VideoInfo ReadInfo(string path)
    {
        using var reader = Open(path);
        return reader.Info;
    }

    public VideoInfo Info { get; }

    /// <summary>Frames decoded so far (delivered or skipped over), for diagnostics and tests.</summary>
    public int DecodedFrameCount { get; private set; }

    /// <summary>Seeks issued so far.</summary>
    public int SeekCount { get; private set; }

    /// <summary>Seeks that failed their check and were replaced by decoding forward from frame 0.</summary>
    public int RejectedSeekCount { get; private set; }

    /// <summary>Whether the reader currently seeks for long jumps (false after a rejected seek, or when timestamps cannot verify seeks).</summary>
    public bool UsesSeeking => _seekingTrusted;

    /// <summary>Decodes one frame.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Index outside [0, FrameCount).</exception>
    /// <exception cref="VideoFramesUnavailableException">The frame does not decode (truncated file).</exception>
    public VideoFrame ReadFrame(int index)
    {
        using var enumerator = ReadFrames([index]).GetEnumerator();
        enumerator.MoveNext();
        return enumerator.Current;
    }

    /// <summary>
    /// Decodes the requested frames lazily, in the order given (ascending order decodes each frame at most once;
    /// repeats and backward jumps are allowed). The caller owns and disposes every yielded frame.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An index outside [0, FrameCount), raised before anything is decoded.</exception>
    /// <exception cref="VideoFramesUnavailableException">
    /// Raised during enumeration at the first frame that does not decode; it lists the indices delivered before.
    /// </exception>
    public IEnumerable<VideoFrame> ReadFrames(IEnumerable<int> frameIndices)
    {
        ArgumentNullException.ThrowIfNull(frameIndices);
        var requested = frameIndices.ToArray();
        foreach (var index in requested)
            if (index < 0 || index >= Info.FrameCount)
                throw new ArgumentOutOfRangeException(nameof(frameIndices), index,
                    $"Frame index outside [0, {Info.FrameCount}) of {Info.Path}.");
        return Iterate(requested);
    }

    /// <summary>
    /// Decodes the frames of one clip, all or nothing: the returned RGB Mats are in request order (the caller
    /// disposes them); on failure every decoded Mat is released and the exception lists what was obtained.
    /// </summary>
    public Mat[] ReadClip(IReadOnlyList<int> frameIndices)
    {
        var images = new List<Mat>(frameIndices.Count);
        try
        {
            foreach (var frame in ReadFrames(frameIndices))
                images.Add(frame.Image);
            return [.. images];
        }
        catch
        {
            foreach (var image in images)
                image.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Decodes the whole video once from the start and returns how many frames really decode (less than
    /// <see cref="VideoInfo.FrameCount"/> for a truncated file). Leaves the reader at the end.
    /// </summary>
    public int CountDecodableFrames()
    {
        ThrowIfDisposed();
        Restart();
        while (_capture.Grab())
        {
            _nextIndex++;
            DecodedFrameCount++;
        }
        _bgrHoldsPrevious = false;
        return _nextIndex;
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _capture.Dispose();
        _bgr.Dispose();
    }

    private IEnumerable<VideoFrame> Iterate(int[] requested)
    {
        for (var position = 0; position < requested.Length; position++)
        {
            ThrowIfDisposed();
            var index = requested[position];
            if (!TryDecode(index))
                throw new VideoFramesUnavailableException(
                    Info.Path, index, Info.FrameCount, requested[..position], requested[position..]);
            var rgb = new Mat();
            try
            {
                Cv2.CvtColor(_bgr, rgb, ColorConversionCodes.BGR2RGB);
            }
            catch
            {
                rgb.Dispose();
                throw;
            }
            yield return new VideoFrame(index, TimestampOf(index), rgb);
        }
    }

    // Leaves frame `target` (BGR) in _bgr; false when it cannot be decoded.
    private bool TryDecode(int target)
    {
        if (_bgrHoldsPrevious && target == _nextIndex - 1)
            return true;

        var gap = target - _nextIndex;
        if (gap >= 0 && gap <= _options.MaxForwardDecodeGap)
            return DecodeForwardTo(target);
        if (_seekingTrusted && TrySeek(target))
            return true;
        if (target < _nextIndex)
            Restart();
        return DecodeForwardTo(target);
    }

    private bool TrySeek(int target)
    {
        SeekCount++;
        _bgrHoldsPrevious = false;
        _capture.Set(VideoCaptureProperties.PosFrames, target);
        var ok = _capture.Read(_bgr) && IsValidFrame();
        if (ok)
            DecodedFrameCount++;
        // The decoded frame's own timestamp identifies it; OpenCV's position property would not (it is derived
        // from that timestamp and the average rate, so it agrees with a wrong landing).
        if (ok && _timeline!.IsTimeOf(target, _capture.Get(VideoCaptureProperties.PosMsec)))
        {
            _nextIndex = target + 1;
            _bgrHoldsPrevious = true;
            return true;
        }
        RejectedSeekCount++;
        _seekingTrusted = false;
        Restart();
        return false;
    }

    private bool DecodeForwardTo(int target)
    {
        while (_nextIndex < target)
        {
            _bgrHoldsPrevious = false;
            if (!_capture.Grab())
                return false;
            _nextIndex++;
            DecodedFrameCount++;
        }
        _bgrHoldsPrevious = false;
        if (!_capture.Read(_bgr) || !IsValidFrame())
            return false;
        _nextIndex++;
        DecodedFrameCount++;
        _bgrHoldsPrevious = true;
        return true;
    }

    private bool IsValidFrame() =>
        !_bgr.Empty() && _bgr.Type() == MatType.CV_8UC3 && _bgr.Width == Info.Width && _bgr.Height == Info.Height;

    // Reopening (rather than seeking to 0) guarantees a decoder state identical to the one sequential decoding starts from.
    private void Restart()
    {
        _capture.Dispose();
        _capture = OpenCapture(_path);
        _nextIndex = 0;
        _bgrHoldsPrevious = false;
    }

    private VideoCapture OpenCapture(string path)
    {
        var capture = new VideoCapture(path, VideoCaptureAPIs.FFMPEG);
        if (!capture.IsOpened())
        {
            capture.Dispose();
            throw new VideoDecodeException(path, VideoDecodeFailure.CannotOpen,
                "FFmpeg cannot open the file as a video (not a video, corrupt header, or truncated before its index)");
        }
        return capture;
    }

    private VideoInfo Probe(string path)
    {
        var announcedValue = _capture.Get(VideoCaptureProperties.FrameCount);
        var announced = announcedValue >= 1 && announcedValue <= int.MaxValue ? (int)Math.Round(announcedValue) : 0;
        var fpsValue = _capture.Get(VideoCaptureProperties.Fps);
        var fps = double.IsFinite(fpsValue) && fpsValue > 0 ? fpsValue : 0;
        var codec = _capture.FourCC?.TrimEnd('\0', ' ') ?? string.Empty;
        var demuxed = _timeline?.FrameCount ?? 0;

        if (!_capture.Read(_bgr) || _bgr.Empty())
        {
            if (announced < 1 && demuxed < 1)
                throw new VideoDecodeException(path, VideoDecodeFailure.NoFrames, "The video contains no frame");
            throw new VideoDecodeException(path, VideoDecodeFailure.UnsupportedCodec,
                $"The file holds {Math.Max(demuxed, announced)} frames of codec '{codec}' but not even the first decodes " +
                "(no decoder for this codec in OpenCV's FFmpeg build, or a stream corrupt from its start)");
        }
        if (_bgr.Type() != MatType.CV_8UC3)
            throw new VideoDecodeException(path, VideoDecodeFailure.UnsupportedCodec,
                $"The decoder returned frames of type {_bgr.Type()} instead of 8-bit BGR");
        DecodedFrameCount = 1;
        _nextIndex = 1;
        _bgrHoldsPrevious = true;
        var width = _bgr.Width;
        var height = _bgr.Height;

        // Seeks can be verified only when every frame has its own timestamp and the decoder reports timestamps on
        // the same scale as the demuxer (checked on frame 0; AVI files without timestamps fail this, for instance).
        _seekingTrusted = _options.AllowSeeking && _timeline is { TimestampsAreDistinct: true, FrameCount: > 1 } &&
                          _timeline.IsTimeOf(0, _capture.Get(VideoCaptureProperties.PosMsec));

        int frameCount;
        if (demuxed > 0)
            frameCount = demuxed;
        else if (announced > 0)
            frameCount = announced;
        else
        {
            frameCount = CountRemainingFrames();
            Restart();
        }
        var variableRate = _timeline is { FrameCount: > 1 } ? !_timeline.IsConstantRate(fps) : null;
        return new VideoInfo(path, frameCount, announced, fps, width, height, codec, variableRate);
    }

    private int CountRemainingFrames()
    {
        while (_capture.Grab())
        {
            _nextIndex++;
            DecodedFrameCount++;
        }
        return _nextIndex;
    }

    private TimeSpan TimestampOf(int index)
    {
        if (_timeline is { TimestampsAreDistinct: true } && index < _timeline.FrameCount)
            return TimeSpan.FromMilliseconds(_timeline.PresentationTimesMs[index] - _timeline.PresentationTimesMs[0]);
        return Info.FramesPerSecond > 0 ? TimeSpan.FromSeconds(index / Info.FramesPerSecond) : TimeSpan.Zero;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}

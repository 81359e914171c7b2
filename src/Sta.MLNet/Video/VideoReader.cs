using OpenCvSharp;

namespace Sta.MLNet.Video;

/// <summary>
/// Decodes chosen frames of one video file with OpenCV's FFmpeg backend, streaming: it holds one decoded frame at a
/// time and decodes only what the requested indices need. Frames come out as RGB <see cref="Mat"/>s
/// (<see cref="VideoFrame"/>).
/// </summary>
/// <remarks>
/// <para>Frame index i means the i-th frame of sequential decoding; that is the reference every read is held to.
/// Short forward jumps decode forward (<see cref="VideoReaderOptions.MaxForwardDecodeGap"/>); longer or backward
/// jumps seek with <c>CAP_PROP_POS_FRAMES</c>. Measured on H.264 with B-frames (3 and 8, open GOP), HEVC, VP9,
/// MPEG-4 part 2, MJPG and variable-frame-rate H.264: every seek returned the bit-identical frame of sequential
/// decoding. Seeks are still checked: after a seek the decoder must report the position just past the requested
/// frame. Seeking past the end of a truncated file, for instance, makes FFmpeg hand back the last decodable frame
/// while reporting another position; the reader then restarts from frame 0, decodes forward, and stops seeking in
/// that file. A frame that cannot be decoded is never replaced by another: <see cref="VideoFramesUnavailableException"/>.</para>
/// <para>Not thread-safe: use one reader per thread.</para>
/// </remarks>
public sealed class VideoReader : IDisposable
{
    private readonly string _path;
    private readonly VideoReaderOptions _options;
    private VideoCapture _capture;
    private readonly Mat _bgr = new();
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
        _seekingTrusted = options.AllowSeeking;
        if (options.MaxForwardDecodeGap < 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxForwardDecodeGap, "MaxForwardDecodeGap must be >= 0.");
        if (!File.Exists(path))
            throw new VideoDecodeException(path, VideoDecodeFailure.FileNotFound, "The video file does not exist");
        if (new FileInfo(path).Length == 0)
            throw new VideoDecodeException(path, VideoDecodeFailure.EmptyFile, "The video file is empty (0 bytes)");

        _capture = OpenCapture(path);
        try
        {
            Info = Probe(path);
        }
        catch
        {
            _capture.Dispose();
            _bgr.Dispose();
            throw;
        }
    }

    /// <summary>Opens a video and checks that its first frame decodes.</summary>
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
            Cv2.CvtColor(_bgr, rgb, ColorConversionCodes.BGR2RGB);
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
        // The FFmpeg backend derives its position from the decoded frame's timestamp: after reading frame `target`
        // it must say target + 1. Anything else means the seek landed elsewhere (e.g. past the end of a truncated file).
        if (ok && (int)Math.Round(_capture.Get(VideoCaptureProperties.PosFrames)) == target + 1)
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
        var announced = _capture.Get(VideoCaptureProperties.FrameCount);
        var fps = _capture.Get(VideoCaptureProperties.Fps);
        var codec = _capture.FourCC?.TrimEnd('\0', ' ') ?? string.Empty;

        if (!_capture.Read(_bgr) || _bgr.Empty())
        {
            if (announced < 1)
                throw new VideoDecodeException(path, VideoDecodeFailure.NoFrames, "The video contains no frame");
            throw new VideoDecodeException(path, VideoDecodeFailure.UnsupportedCodec,
                $"The container announces {announced} frames of codec '{codec}' but not even the first decodes " +
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

        // Containers without an index (raw streams, some live formats) report no count: count by decoding once.
        var counted = announced < 1 || announced > int.MaxValue || double.IsNaN(announced);
        var frameCount = counted ? CountRemainingFrames() : (int)Math.Round(announced);
        if (counted)
            Restart();
        return new VideoInfo(path, frameCount, double.IsFinite(fps) && fps > 0 ? fps : 0, width, height, codec, counted);
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

    private TimeSpan TimestampOf(int index) =>
        Info.FramesPerSecond > 0 ? TimeSpan.FromSeconds(index / Info.FramesPerSecond) : TimeSpan.Zero;

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}

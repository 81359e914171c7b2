using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>
/// Turns a <see cref="ClipDescriptor"/> into its frames: decoded from the video file, or read from the extracted frame
/// images (DeepfakeBench loading, docs/design.md, "Frame loading"). Keeps the last video open, so that consecutive clips of one video (the
/// order <see cref="VideoCollection.EnumerateClips"/> yields them in) do not reopen and re-scan it. Not thread-safe:
/// use one loader per thread.
/// </summary>
internal sealed class ClipFrameLoader : IDisposable
{
    private readonly int _extractedFrameSize;
    private readonly VideoReaderOptions? _readerOptions;
    private VideoReader? _reader;
    private bool _disposed;

    /// <param name="extractedFrameSize">Side in pixels extracted frames are resized to (bicubic). Default 224.</param>
    /// <param name="readerOptions">Options for the video readers. Default <see cref="VideoReaderOptions"/> defaults.</param>
    public ClipFrameLoader(int extractedFrameSize = ExtractedFrameLoader.ModelInputSize, VideoReaderOptions? readerOptions = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(extractedFrameSize, 1);
        _extractedFrameSize = extractedFrameSize;
        _readerOptions = readerOptions;
    }

    /// <summary>
    /// The clip's frames as 8-bit RGB Mats, in clip order; the caller disposes them. Video frames keep the video's
    /// size (face cropping comes after); extracted frames are resized to the loader's size.
    /// </summary>
    /// <exception cref="VideoDecodeException">The video cannot be opened, or some frames do not decode.</exception>
    /// <exception cref="DatasetFileMissingException">An extracted frame file is missing.</exception>
    /// <exception cref="DatasetFormatException">An extracted frame file is not an image.</exception>
    public Mat[] LoadFrames(ClipDescriptor clip)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (clip.VideoPath is { } videoPath)
            return ReaderFor(videoPath).ReadClip(clip.FrameIndices);
        if (clip.FramePaths is null)
            throw new ArgumentException($"Clip {clip.ClipIndex} of {clip.VideoId} has neither a video path nor frame paths.", nameof(clip));

        var frames = new List<Mat>(clip.FramePaths.Count);
        try
        {
            foreach (var path in clip.FramePaths)
                frames.Add(ExtractedFrameLoader.LoadFrame(path, _extractedFrameSize));
            return [.. frames];
        }
        catch
        {
            foreach (var frame in frames)
                frame.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The clip's landmarks (one array per frame, scaled from 256 px to the loader's frame size); only for clips of
    /// extracted frames with landmark paths.
    /// </summary>
    /// <exception cref="InvalidOperationException">The clip has no landmark paths.</exception>
    /// <exception cref="DatasetFileMissingException">A landmark file is missing.</exception>
    /// <exception cref="DatasetFormatException">A landmark file is malformed.</exception>
    public Point2f[][] LoadLandmarks(ClipDescriptor clip)
    {
        ArgumentNullException.ThrowIfNull(clip);
        if (clip.LandmarkPaths is null)
            throw new InvalidOperationException($"Clip {clip.ClipIndex} of {clip.VideoId} has no landmark files.");
        return clip.LandmarkPaths
            .Select(path => ExtractedFrameLoader.LoadLandmarks(path, ExtractedFrameLoader.StoredCropSize, _extractedFrameSize))
            .ToArray();
    }

    public void Dispose()
    {
        _disposed = true;
        _reader?.Dispose();
        _reader = null;
    }

    private VideoReader ReaderFor(string path)
    {
        if (_reader is not null && _reader.Info.Path == path)
            return _reader;
        _reader?.Dispose();
        _reader = null; // a failed open must not leave the disposed reader in place
        _reader = VideoReader.Open(path, _readerOptions);
        return _reader;
    }
}

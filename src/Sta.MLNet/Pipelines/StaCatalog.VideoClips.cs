using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace Sta.MLNet;

/// <summary>
/// Entry points that turn videos into StA clips (aligned, CLIP-normalised face crops [T, 3, 224, 224] with landmarks).
/// They hang off <see cref="MLContext"/> because ML.NET's catalogs do not expose their environment to other assemblies.
/// <list type="bullet">
/// <item><see cref="ExtractFaceClip(MLContext, VideoClipLoaderOptions)"/>: a row-to-row stage (path [+ clip index] to one
/// clip) for pipelines, PredictionEngine and saved models.</item>
/// <item><see cref="LoadVideoClips(MLContext, IDataView, VideoClipLoaderOptions?, ClipStreamOptions?)"/>: one row per clip
/// of every video of a table of paths.</item>
/// <item><see cref="LoadVideoClipsFromFolder"/>, <see cref="LoadVideoClipsFromCsv"/>, <see cref="LoadDeepfakeBenchClips"/>:
/// labelled clip datasets that shuffle their own clip table (a cursor with a <see cref="Random"/> visits the clips in
/// random order) and split it between the cursors of a cursor set, which decode in parallel.</item>
/// </list>
/// </summary>
public static partial class StaCatalog
{
    /// <summary>
    /// Row to row: each row's video becomes clip <paramref name="clipIndex"/> of that video (DeepfakeBench test
    /// sampling: 32 evenly spaced frames, clips of 8; Haar cascade + dlib 68 landmarks; 256 px alignment resized to 224).
    /// A failing video throws its typed exception when the row is read. Nothing is learnt: <c>Fit</c> only checks the input
    /// columns. The fitted transformer is saved with the model, front-end options included.
    /// </summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="outputColumnName">Clip column, Vector&lt;Single&gt;[8, 3, 224, 224]. Default "Clip".</param>
    /// <param name="pathColumnName">Input text column of video paths. Default "VideoPath".</param>
    /// <param name="clipIndex">Which clip of each video. Default 0.</param>
    public static IEstimator<ITransformer> ExtractFaceClip(this MLContext mlContext, string outputColumnName = "Clip",
        string pathColumnName = "VideoPath", int clipIndex = 0) =>
        mlContext.ExtractFaceClip(new VideoClipLoaderOptions
        {
            PathColumnName = pathColumnName, ClipIndex = clipIndex, Columns = new VideoClipColumns { Clip = outputColumnName },
        });

    /// <summary>Row to row with explicit options (clip index column, sampling protocol, detector, alignment, column names).</summary>
    public static IEstimator<ITransformer> ExtractFaceClip(this MLContext mlContext, VideoClipLoaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new VideoClipLoadingEstimator(mlContext, options);
    }

    /// <summary>
    /// One row per clip of every video in <paramref name="videos"/> (a table with a text path column, default "VideoPath";
    /// its other columns are repeated on each clip). Lazy: clips are decoded as a cursor reads them. A video that cannot
    /// be opened or is too short, and a clip that does not decode or has no face, is skipped and reported through
    /// <see cref="ClipStreamOptions.OnIssue"/> and a warning on the context's log; rows already delivered are kept.
    /// </summary>
    public static IDataView LoadVideoClips(this MLContext mlContext, IDataView videos, VideoClipLoaderOptions? options = null,
        ClipStreamOptions? stream = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new VideoClipLoadingTransformer(mlContext, options ?? new VideoClipLoaderOptions()).ExpandClips(videos, stream);
    }

    /// <summary>
    /// Clips of the labelled videos under <c>root/real</c> (label 0) and <c>root/fake</c> (label 1). Files with the
    /// extensions of common FFmpeg-readable containers (.mp4, .avi, .mov, .mkv, .webm, ...) count as videos.
    /// </summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="root">The folder holding the two label folders.</param>
    /// <param name="options">Front end, columns and streaming settings.</param>
    /// <param name="realFolderName">Sub-folder of real videos. Default "real".</param>
    /// <param name="fakeFolderName">Sub-folder of fake videos. Default "fake".</param>
    /// <param name="recursive">Whether videos in nested folders under the label folders count. Default true.</param>
    /// <exception cref="DatasetFormatException">Neither label folder exists.</exception>
    /// <exception cref="StaException">The root folder does not exist.</exception>
    public static IDataView LoadVideoClipsFromFolder(this MLContext mlContext, string root, VideoClipSourceOptions? options = null,
        string realFolderName = "real", string fakeFolderName = "fake", bool recursive = true)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        var layout = new VideoFolderOptions { RealFolderName = realFolderName, FakeFolderName = fakeFolderName, Recursive = recursive };
        return FromVideos(mlContext, VideoCollection.FromLabelFolders(root, layout), options ?? new VideoClipSourceOptions());
    }

    /// <summary>
    /// Clips of the videos listed in a CSV file, one <c>path,label</c> record per line (further columns ignored, an optional
    /// header line <c>path,label</c>, RFC 4180 quoting, blank lines skipped). Labels are 0/1,
    /// "real"/"fake" or a DeepfakeBench label name (case-insensitive) unless <paramref name="labelMapping"/> says otherwise.
    /// Files are not opened here: a missing video is reported when its clips are planned.
    /// </summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="csvPath">The CSV file.</param>
    /// <param name="options">Front end, columns and streaming settings.</param>
    /// <param name="root">Folder that relative video paths are resolved against. Default null: the CSV file's folder.</param>
    /// <param name="labelMapping">Label text to class (0 real, 1 fake); its comparer decides case sensitivity. The texts
    /// "0" and "1" are always accepted. Default null: "real", "fake" and the DeepfakeBench label names.</param>
    /// <exception cref="StaException">The CSV file does not exist.</exception>
    /// <exception cref="DatasetFormatException">A malformed line, an unknown label or a video listed twice; the message
    /// gives the line.</exception>
    public static IDataView LoadVideoClipsFromCsv(this MLContext mlContext, string csvPath, VideoClipSourceOptions? options = null,
        string? root = null, IReadOnlyDictionary<string, int>? labelMapping = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        var csv = new VideoCsvOptions { Root = root };
        if (labelMapping is not null) csv = csv with { LabelMapping = labelMapping };
        return FromVideos(mlContext, VideoCollection.FromCsv(csvPath, csv), options ?? new VideoClipSourceOptions());
    }

    /// <summary>
    /// Clips of a DeepfakeBench dataset (JSON + frames/ + landmarks/, label mapping of docs/design.md, "Dataset JSON"): already aligned 256 px
    /// frames resized to <see cref="FaceClipOptions.ClipSize"/> (bicubic), landmarks scaled alike; clips planned from each
    /// video's frame list with <see cref="FaceClipOptions.Sampling"/>.
    /// </summary>
    public static IDataView LoadDeepfakeBenchClips(this MLContext mlContext, string jsonPath, DeepfakeBenchOptions? dataset = null,
        VideoClipSourceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        options ??= new VideoClipSourceOptions();
        var loaded = DeepfakeBenchDataset.Load(jsonPath, dataset);
        return new VideoClipSourceDataView(Host(mlContext), options,
            onIssue => loaded.EnumerateClips(options.FrontEnd.Sampling, onIssue, options.RequireLandmarks));
    }

    private static VideoClipSourceDataView FromVideos(MLContext mlContext, IReadOnlyList<LabeledVideo> videos, VideoClipSourceOptions options) =>
        new(Host(mlContext), options,
            onIssue => VideoCollection.EnumerateClips(videos, options.FrontEnd.Sampling, onIssue, options.CountDecodableFrames));

    private static IHost Host(MLContext mlContext) => ((IHostEnvironment)mlContext).Register(nameof(VideoClipSourceDataView));
}

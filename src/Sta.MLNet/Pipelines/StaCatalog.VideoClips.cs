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
/// labelled clip datasets that shuffle their own clip table.</item>
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
    /// its other columns are repeated on each clip). See <see cref="VideoClipDataView"/> for laziness and error reporting.
    /// </summary>
    public static VideoClipDataView LoadVideoClips(this MLContext mlContext, IDataView videos, VideoClipLoaderOptions? options = null,
        ClipStreamOptions? stream = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new VideoClipLoadingTransformer(mlContext, options ?? new VideoClipLoaderOptions()).ExpandClips(videos, stream);
    }

    /// <summary>
    /// Clips of the labelled videos under <c>root/real</c> and <c>root/fake</c> (<see cref="VideoCollection.FromLabelFolders"/>).
    /// </summary>
    /// <exception cref="DatasetFileMissingException">The root folder does not exist.</exception>
    /// <exception cref="DatasetFormatException">Neither label folder exists.</exception>
    public static VideoClipSourceDataView LoadVideoClipsFromFolder(this MLContext mlContext, string root, VideoClipSourceOptions? options = null,
        VideoFolderOptions? folder = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return FromVideos(mlContext, VideoCollection.FromLabelFolders(root, folder), options ?? new VideoClipSourceOptions());
    }

    /// <summary>Clips of the videos listed in a <c>path,label</c> CSV (<see cref="VideoCollection.FromCsv"/>).</summary>
    public static VideoClipSourceDataView LoadVideoClipsFromCsv(this MLContext mlContext, string csvPath, VideoClipSourceOptions? options = null,
        VideoCsvOptions? csv = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return FromVideos(mlContext, VideoCollection.FromCsv(csvPath, csv), options ?? new VideoClipSourceOptions());
    }

    /// <summary>
    /// Clips of a DeepfakeBench dataset (JSON + frames/ + landmarks/, label mapping of docs/design.md, "Dataset JSON"): already aligned 256 px
    /// frames resized to <see cref="FaceClipOptions.ClipSize"/> (bicubic), landmarks scaled alike; clips planned from each
    /// video's frame list with <see cref="FaceClipOptions.Sampling"/>.
    /// </summary>
    public static VideoClipSourceDataView LoadDeepfakeBenchClips(this MLContext mlContext, string jsonPath, DeepfakeBenchOptions? dataset = null,
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

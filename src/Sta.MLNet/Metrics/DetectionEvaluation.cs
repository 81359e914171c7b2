using Microsoft.ML;
using Microsoft.ML.Data;

namespace Sta.MLNet;

/// <summary>
/// Clip- and video-level evaluation of a scored detector: ML.NET's <see cref="BinaryClassificationMetrics"/> plus the
/// paper's metrics (<see cref="DetectionMetrics"/>: AUC, EER, AP, ACC exactly as DeepfakeBench/sklearn 1.2.1).
/// </summary>
/// <param name="ClipMetrics">ML.NET's metrics over clips (accuracy etc. from Score &gt; 0).</param>
/// <param name="Clip">Paper metrics over clips, from the probabilities.</param>
/// <param name="VideoMetrics">ML.NET's metrics over videos (Score = logit of the mean probability).</param>
/// <param name="Video">Paper metrics over videos (mean of clip probabilities).</param>
/// <param name="Videos">The video scores.</param>
public sealed record DetectionEvaluation(
    BinaryClassificationMetrics ClipMetrics, DetectionMetrics Clip,
    BinaryClassificationMetrics VideoMetrics, DetectionMetrics Video,
    IReadOnlyList<LabeledScore> Videos);

/// <summary>One fold of <see cref="StaCatalog.CrossValidateDetection"/>.</summary>
public sealed record DetectionFold(int Fold, ITransformer Model, IDataView ScoredHoldOutSet, BinaryClassificationMetrics Metrics, DetectionEvaluation Detection);

/// <summary>
/// Evaluation entry points on <see cref="MLContext"/>. Column defaults follow ML.NET's binary classifiers: "Label"
/// (Boolean; Single/Double/Int32/Int64 are read as value != 0, like DeepfakeBench's label re-mapping), "Score",
/// "Probability" (P(fake)), "PredictedLabel", plus a text "VideoId".
/// </summary>
public static partial class StaCatalog
{
    /// <summary>Reads (video id, label, probability) of every row, in cursor order.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has an unusable type.</exception>
    public static IReadOnlyList<LabeledScore> ReadClipScores(IDataView data, string videoIdColumnName = "VideoId",
        string labelColumnName = "Label", string probabilityColumnName = "Probability")
    {
        ArgumentNullException.ThrowIfNull(data);
        var videoColumn = Column(data.Schema, videoIdColumnName, t => t is TextDataViewType, "Text");
        var labelColumn = Column(data.Schema, labelColumnName,
            t => t is BooleanDataViewType || t == NumberDataViewType.Single || t == NumberDataViewType.Double || t == NumberDataViewType.Int32 || t == NumberDataViewType.Int64,
            "Boolean, Single, Double, Int32 or Int64");
        var scoreColumn = Column(data.Schema, probabilityColumnName,
            t => t == NumberDataViewType.Single || t == NumberDataViewType.Double, "Single or Double");
        var clips = new List<LabeledScore>();
        using var cursor = data.GetRowCursor([videoColumn, labelColumn, scoreColumn]);
        var video = cursor.GetGetter<ReadOnlyMemory<char>>(videoColumn);
        var label = MLNet.BinaryLabel.CreateReader(cursor, labelColumn);
        var score = DoubleReader(cursor, scoreColumn);
        ReadOnlyMemory<char> id = default;
        while (cursor.MoveNext())
        {
            video(ref id);
            clips.Add(new LabeledScore(id.ToString(), label(), score()));
        }
        return clips;
    }

    /// <summary>
    /// Clips to videos: one row per video (in order of first appearance) with columns VideoId (Text), Label (Boolean),
    /// ClipCount (Int32), Probability (Single, mean of clip probabilities computed in float64), Score (Single, its logit,
    /// so ML.NET's Score &gt; 0 rule equals Probability &gt; 0.5) and PredictedLabel (Boolean). Reads the input once, eagerly.
    /// </summary>
    public static IDataView AggregateClipsToVideos(this MLContext mlContext, IDataView clips, string videoIdColumnName = "VideoId",
        string labelColumnName = "Label", string probabilityColumnName = "Probability")
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        var videos = VideoAggregation.Aggregate(ReadClipScores(clips, videoIdColumnName, labelColumnName, probabilityColumnName));
        return mlContext.Data.LoadFromEnumerable(videos.Select(VideoRow.From));
    }

    /// <summary>
    /// Evaluates scored clips at clip and video level. ML.NET's metrics come from
    /// <c>BinaryClassification.Evaluate</c> (needs both classes present; it throws otherwise); the paper metrics are
    /// NaN for a missing class.
    /// </summary>
    public static DetectionEvaluation EvaluateDetection(this MLContext mlContext, IDataView scoredClips,
        string labelColumnName = "Label", string videoIdColumnName = "VideoId", string scoreColumnName = "Score",
        string probabilityColumnName = "Probability", string predictedLabelColumnName = "PredictedLabel")
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        var clips = ReadClipScores(scoredClips, videoIdColumnName, labelColumnName, probabilityColumnName);
        var videos = VideoAggregation.Aggregate(clips);
        var clipMetrics = mlContext.BinaryClassification.Evaluate(scoredClips, labelColumnName, scoreColumnName,
            probabilityColumnName, predictedLabelColumnName);
        var videoData = mlContext.Data.LoadFromEnumerable(videos.Select(VideoRow.From));
        var videoMetrics = mlContext.BinaryClassification.Evaluate(videoData, nameof(VideoRow.Label), nameof(VideoRow.Score),
            nameof(VideoRow.Probability), nameof(VideoRow.PredictedLabel));
        return new DetectionEvaluation(
            clipMetrics, DetectionMetrics.Compute(clips.Select(c => c.Probability).ToList(), clips.Select(c => c.Label).ToList()),
            videoMetrics, DetectionMetrics.Compute(videos.Select(v => v.Probability).ToList(), videos.Select(v => v.Label).ToList()),
            videos);
    }

    /// <summary>
    /// k-fold cross-validation that keeps every clip of a video in the same fold: ML.NET's
    /// <c>BinaryClassification.CrossValidateNonCalibrated</c> with the video id as sampling key (ML.NET hashes a text
    /// key, so the split is by video, not by clip; folds are therefore only approximately equal in size). Each fold's
    /// held-out predictions are also evaluated with <see cref="EvaluateDetection"/>; the estimator must produce Score,
    /// Probability and PredictedLabel columns.
    /// </summary>
    public static IReadOnlyList<DetectionFold> CrossValidateDetection(this MLContext mlContext, IDataView data,
        IEstimator<ITransformer> estimator, int numberOfFolds = 5, string labelColumnName = "Label",
        string videoIdColumnName = "VideoId", int? seed = null, string scoreColumnName = "Score",
        string probabilityColumnName = "Probability", string predictedLabelColumnName = "PredictedLabel")
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(estimator);
        Column(data.Schema, videoIdColumnName, t => t is TextDataViewType, "Text");
        var folds = mlContext.BinaryClassification.CrossValidateNonCalibrated(data, estimator, numberOfFolds,
            labelColumnName, samplingKeyColumnName: videoIdColumnName, seed: seed);
        return folds.Select(f => new DetectionFold(f.Fold, f.Model, f.ScoredHoldOutSet, f.Metrics,
            mlContext.EvaluateDetection(f.ScoredHoldOutSet, labelColumnName, videoIdColumnName, scoreColumnName,
                probabilityColumnName, predictedLabelColumnName))).ToList();
    }

    private static DataViewSchema.Column Column(DataViewSchema schema, string name, Func<DataViewType, bool> accepts, string expected)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"Could not find column '{name}'.");
        return accepts(column.Type)
            ? column
            : throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' is {column.Type}; expected {expected}.");
    }

    private static Func<double> DoubleReader(DataViewRow row, DataViewSchema.Column column)
    {
        if (column.Type.RawType == typeof(float))
        {
            var get = row.GetGetter<float>(column);
            return () => { float v = 0; get(ref v); return v; };
        }
        var getDouble = row.GetGetter<double>(column);
        return () => { double v = 0; getDouble(ref v); return v; };
    }

    /// <summary>Row type of the video-level data view.</summary>
    private sealed class VideoRow
    {
        public string VideoId { get; set; } = "";
        public bool Label { get; set; }
        public int ClipCount { get; set; }
        public float Probability { get; set; }
        public float Score { get; set; }
        public bool PredictedLabel { get; set; }

        public static VideoRow From(LabeledScore video) => new()
        {
            VideoId = video.VideoId,
            Label = video.Label,
            ClipCount = video.ClipCount,
            Probability = (float)video.Probability,
            Score = BinaryScore.FromProbability(video.Probability),
            PredictedLabel = video.Probability > 0.5,
        };
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Sta.MLNet;

/// <summary>
/// Trains the StA detector inside an ML.NET pipeline: <c>Fit</c> reads CLIP-normalised clips and labels (and landmarks
/// when Video-level Blending is on), trains with <see cref="StaTrainingLoop"/> and returns a
/// <see cref="StaDetectionTransformer"/> that appends Score/Probability/PredictedLabel. Create it with
/// <see cref="StaCatalog.StaTrainer(MLContext, string, string, string?, int, int, string?)"/>.
/// Blending and augmentation happen inside <c>Fit</c> only: they are never part of the saved model.
/// </summary>
public sealed partial class StaTrainer : IEstimator<StaDetectionTransformer>
{
    /// <summary>Everything <see cref="StaTrainer"/> needs: columns, training settings, and the fitted model's output options.</summary>
    public sealed partial class Options
    {
        /// <summary>CLIP-normalised clips, Vector&lt;Single&gt; [T, 3, H, W]. Default "Clip".</summary>
        public string ClipColumnName { get; set; } = "Clip";

        /// <summary>Boolean (true = fake), or a number (&gt; 0 = fake, ML.NET's convention). Default "Label".</summary>
        public string LabelColumnName { get; set; } = "Label";

        /// <summary>Landmarks [T, points, 2] (68 or 81 points, clip pixel coordinates); required when
        /// <see cref="StaTrainer.Options.VideoBlending"/> is not None. Default "Landmarks".</summary>
        public string? LandmarksColumnName { get; set; } = "Landmarks";

        /// <summary>Optional video id (text) column, carried into training rows for logging. Default "VideoId".</summary>
        public string? VideoIdColumnName { get; set; } = "VideoId";

        /// <summary>Held-out data (same columns) scored after each epoch; selects the best epoch by clip-level AUC.</summary>
        public IDataView? ValidationData { get; set; }

        /// <summary>Rows kept in memory to shuffle a source that cannot shuffle itself. Default 64.</summary>
        public int ShufflePoolSize { get; set; } = 64;

        /// <summary>Output columns and scoring options of the fitted transformer.</summary>
        public StaDetectionOptions Detection { get; set; } = new();

        /// <summary>Checks the options and throws <see cref="ArgumentException"/> naming the first problem.</summary>
        public void Validate()
        {
            ValidateTraining();
            ArgumentException.ThrowIfNullOrWhiteSpace(ClipColumnName, nameof(ClipColumnName));
            ArgumentException.ThrowIfNullOrWhiteSpace(LabelColumnName, nameof(LabelColumnName));
            if (VideoBlending != VideoBlendingMode.None && string.IsNullOrWhiteSpace(LandmarksColumnName))
                throw new ArgumentException($"VideoBlending = {VideoBlending} needs a LandmarksColumnName; set VideoBlending = None to train without blending.");
            if (ShufflePoolSize <= 0) throw new ArgumentException("ShufflePoolSize must be positive.");
            if (TuningMode == StaTuningMode.AdapterTuning && ClipWeightsPath is null && InitialCheckpointPath is null && !AllowRandomBackbone)
                throw new ArgumentException(
                    "Adapter tuning keeps the backbone frozen and trains only the adapters and the head, but neither ClipWeightsPath " +
                    "nor InitialCheckpointPath is set: the frozen backbone would be random weights. Set ClipWeightsPath to CLIP " +
                    "ViT weights (OpenAI or Hugging Face) or InitialCheckpointPath to a StA checkpoint; or train everything with " +
                    "FullFineTuning = true; or, for a test or smoke run, set AllowRandomBackbone = true.");
            Detection.Validate();
        }
    }

    private readonly MLContext _mlContext;
    private readonly IHost _host;
    private readonly Options _options;

    /// <summary>Creates the trainer; prefer the <see cref="StaCatalog"/> extensions.</summary>
    public StaTrainer(MLContext mlContext, Options options)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _mlContext = mlContext;
        _host = ((IHostEnvironment)mlContext).Register(nameof(StaTrainer));
        _options = options;
    }

    /// <summary>
    /// The schema <see cref="Fit"/>'s transformer produces: the input's columns followed by Score, Probability,
    /// PredictedLabel (and the features column when <see cref="StaDetectionOptions.FeaturesColumnName"/> is set), so an
    /// <c>EstimatorChain</c> can be checked before training.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The clip, label or (with blending) landmarks column is missing or mistyped.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        CheckInputShape(inputSchema);
        return StageSchema.Append(inputSchema, StaDetectionTransformer.OutputColumnsOf(_options.Detection, _options.Network));
    }

    private void CheckInputShape(SchemaShape inputSchema)
    {
        StageSchema.RequireShapeColumn(inputSchema, _options.ClipColumnName, NumberDataViewType.Single, SchemaShape.Column.VectorKind.Vector);
        var matches = inputSchema.Where(c => c.Name == _options.LabelColumnName).ToList();
        if (matches.Count == 0)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Could not find input column '{_options.LabelColumnName}'.");
        var label = matches[^1];
        if (label.Kind != SchemaShape.Column.VectorKind.Scalar ||
            !BinaryLabel.IsSupported(label.ItemType))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Schema mismatch for input column '{_options.LabelColumnName}': expected Boolean, Single, Double, Int32 or Int64, got {label.ItemType}.");
        if (_options.VideoBlending != VideoBlendingMode.None)
            StageSchema.RequireShapeColumn(inputSchema, _options.LandmarksColumnName!, NumberDataViewType.Single, SchemaShape.Column.VectorKind.Vector);
    }

    /// <summary>Trains on <paramref name="input"/> (validating on <see cref="Options.ValidationData"/> if set).</summary>
    /// <exception cref="OperationCanceledException">
    /// <see cref="StaTrainer.Options.CancellationToken"/> was cancelled or <c>MLContext.CancelExecution()</c> was called:
    /// training stopped at the next step (or validation batch) and, with a <see cref="StaTrainer.Options.CheckpointDirectory"/>,
    /// wrote a checkpoint that the same settings resume; <see cref="LastResult"/> says how far it got.
    /// </exception>
    public StaDetectionTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var network = _options.Network;
        int clipLength = network.NumFrames * 3 * network.InputResolution * network.InputResolution;
        StageSchema.RequireVector(input.Schema, _options.ClipColumnName, NumberDataViewType.Single, clipLength);
        var blending = _options.VideoBlending != VideoBlendingMode.None;
        var training = new DataViewTrainingData(_mlContext, input, _options.ClipColumnName, _options.LabelColumnName,
            blending ? _options.LandmarksColumnName : null, _options.VideoIdColumnName, _options.Seed, shuffle: true, _options.ShufflePoolSize);
        var validation = _options.ValidationData is { } v
            ? new DataViewTrainingData(_mlContext, v, _options.ClipColumnName, _options.LabelColumnName, null, _options.VideoIdColumnName,
                _options.Seed, shuffle: false)
            : null;

        using var channel = _host.Start(nameof(StaTrainer));
        var device = TorchDeviceSelector.Select(_mlContext);
        var detector = new StaDetector(network, seed: _options.Seed);
        try
        {
            if (_options.InitialCheckpointPath is { } checkpoint)
            {
                StaCheckpoint.Load(detector, checkpoint);
                channel.Info(MessageSensitivity.None, $"Starting from checkpoint {checkpoint}.");
            }
            else if (_options.ClipWeightsPath is { } clipPath)
            {
                using var clip = ClipVisualWeights.Load(clipPath);
                var report = ClipInitializer.Apply(detector, clip);
                channel.Info(MessageSensitivity.None, $"Initialised {report.LoadedKeys.Count} backbone tensors from CLIP ({clip.Naming}) {clipPath}; ignored {report.IgnoredKeys.Count}.");
            }
            else
            {
                // Reached only with full fine-tuning or AllowRandomBackbone (Options.Validate refuses the rest).
                channel.Info(MessageSensitivity.None, $"No ClipWeightsPath or InitialCheckpointPath: the backbone starts from random weights ({_options.TuningMode}).");
            }

            using var synthesizer = blending ? new VideoBlendingSynthesizer(network, _options.BlendOptions) : null;
            using var augmenter = _options.Augment ? new NormalizedClipAugmenter(network) : null;
            var loop = new StaTrainingLoop(_options, device, (scores, labels) => DetectionMetrics.Compute(scores.Select(s => (double)s).ToList(), labels).Auc,
                synthesizer, augmenter, line => channel.Info(MessageSensitivity.None, line))
            {
                // MLContext.CancelExecution() stops training at the next step, as the cancellation token does.
                CheckAlive = () =>
                {
                    if (MLNetInternals.IsCancelled(_host)) throw new OperationCanceledException("MLContext.CancelExecution() was called.");
                },
            };
            var result = loop.Run(detector, training, validation);
            LastResult = result;
            if (result.Cancelled)
                throw new OperationCanceledException(
                    $"StA training was cancelled after {result.StepLosses.Count} step(s)" +
                    (_options.CheckpointDirectory is { } dir ? $"; the checkpoint in {dir} resumes it." : "."),
                    _options.CancellationToken.IsCancellationRequested ? _options.CancellationToken : CancellationToken.None);
            return new StaDetectionTransformer(_mlContext, detector, _options.Detection, device);
        }
        catch
        {
            detector.Dispose();
            throw;
        }
    }

    /// <summary>What the last <see cref="Fit"/> did (losses, validation AUCs, best epoch).</summary>
    public StaTrainingResult? LastResult { get; private set; }
}

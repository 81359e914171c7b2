using System.Diagnostics;
using Sta.MLNet.Checkpoints;
using Sta.MLNet.Model;
using Sta.MLNet.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sta.MLNet.Training;

/// <summary>
/// The training loop of the StA detector, independent of ML.NET: epochs over an <see cref="ITrainingData"/>, optional
/// Video-level Blending twins and clip augmentation, cross-entropy on the two logits, Adam, validation with best-epoch
/// selection, and checkpoints that resume exactly (same next batch, optimizer moments, BatchNorm statistics, dropout
/// draws). Every random draw is derived from (seed, epoch, row, purpose) or (seed, step), never from history.
/// </summary>
public sealed class StaTrainingLoop
{
    private const string LastFolder = "last";
    private const string BestFolder = "best";
    private const string ModelFile = "model.safetensors";
    private const string OptimizerFile = "optimizer.safetensors";
    private const string StateFile = "state.json";

    private readonly StaTrainingOptions _options;
    private readonly Device _device;
    private readonly Action<string> _log;
    private readonly IFakeClipSynthesizer? _synthesizer;
    private readonly IClipAugmenter? _augmenter;
    private readonly Func<IReadOnlyList<float>, IReadOnlyList<bool>, double> _auc;

    /// <param name="auc">Computes the AUC of probability scores against labels (true = fake).</param>
    public StaTrainingLoop(StaTrainingOptions options, Device device, Func<IReadOnlyList<float>, IReadOnlyList<bool>, double> auc,
        IFakeClipSynthesizer? synthesizer = null, IClipAugmenter? augmenter = null, Action<string>? log = null)
    {
        options.Validate();
        if (options.VideoBlending != VideoBlendingMode.None && synthesizer is null)
            throw new ArgumentException($"VideoBlending = {options.VideoBlending} needs a synthesizer (Video-level Blending); set VideoBlending = None to train without it.");
        if (options.Augment && augmenter is null)
            throw new ArgumentException("Augment = true needs a clip augmenter; set Augment = false to train without augmentation.");
        _options = options;
        _device = device;
        _auc = auc;
        _synthesizer = synthesizer;
        _augmenter = augmenter;
        _log = log ?? (_ => { });
    }

    /// <summary>Trains <paramref name="detector"/> in place (it is moved to the loop's device).</summary>
    public StaTrainingResult Run(StaDetector detector, ITrainingData training, ITrainingData? validation)
    {
        var options = _options;
        var network = detector.Options;
        detector.to(_device);
        long trainable = StaParameterGroups.Apply(detector, options.TuningMode);
        var previousComputeType = detector.ComputeType;
        if (options.UseBf16OnCuda && _device.type == DeviceType.CUDA) detector.ComputeType = ScalarType.BFloat16;
        if (options.CudnnAutotuning && _device.type == DeviceType.CUDA && !CudnnAutotuning.TrySet(true))
            _log("cuDNN autotuning could not be enabled with this libtorch; continuing with its default algorithms.");
        var parameters = detector.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter)).ToList();
        using var optimizer = new StaAdam(parameters, options.LearningRate, options.Beta1, options.Beta2, options.AdamEpsilon,
            options.WeightDecay, decoupledWeightDecay: options.Optimizer == StaOptimizerKind.AdamW);
        _log($"StA training: {trainable:N0} trainable parameters ({options.TuningMode}), device {_device}, batch {options.BatchSize}, " +
             $"{options.Epochs} epoch(s), blending {options.VideoBlending}, augmentation {(options.Augment ? "on" : "off")}.");

        var state = new TrainingCheckpointState { Fingerprint = options.Fingerprint() };
        long? resumedFrom = null;
        if (options.CheckpointDirectory is { } directory && options.Resume && TryResume(directory, detector, optimizer, state.Fingerprint) is { } resumed)
        {
            state = resumed;
            resumedFrom = state.GlobalStep;
            _log($"Resumed from {Path.Combine(directory, LastFolder)} at epoch {state.Epoch + 1}, step {state.GlobalStep}.");
        }

        int frames = network.NumFrames, size = network.InputResolution;
        long clipLength = (long)frames * 3 * size * size;
        var cancel = options.CancellationToken;
        bool cancelled = false;

        try
        {
            while (state.Epoch < options.Epochs && !StepLimitReached(state))
            {
                int epoch = state.Epoch;
                var epochClock = Stopwatch.StartNew();
                long epochClips = 0, epochStartStep = state.StepInEpoch;
                bool stoppedEarly = false;
                TimeSpan epochInputWait;
                detector.train();
                // Batches are prepared (read, blended, augmented) on a background thread two batches ahead of the step.
                long startConsumed = state.ExamplesConsumedInEpoch;
                using (var prefetch = new Prefetcher<PreparedBatch>(
                           token => PrepareBatches(training, epoch, startConsumed, clipLength, token), capacity: 2, cancel))
                {
                    foreach (var batch in prefetch.Items())
                    {
                        using (batch) epochClips += TrainStep(detector, optimizer, batch, state);
                        state.ExamplesConsumedInEpoch = batch.ExamplesConsumedAfter;
                        AfterStep(detector, optimizer, state, epochClock, epochClips, epochStartStep, prefetch.WaitTime);
                        if (StepLimitReached(state) || cancel.IsCancellationRequested)
                        {
                            stoppedEarly = true;
                            break;
                        }
                    }
                    epochInputWait = prefetch.WaitTime;
                }
                if (cancel.IsCancellationRequested) { cancelled = true; break; }
                if (stoppedEarly) break;
                FlushLosses(state);
                _stepsPerEpoch ??= state.StepInEpoch;

                double? auc = null;
                if (validation is not null && (epoch + 1) % options.ValidateEveryEpochs == 0)
                {
                    options.Progress?.Report(new StaTrainingProgress(StaTrainingPhase.Validating, epoch, options.Epochs, state.GlobalStep,
                        state.StepInEpoch, state.StepLosses.LastOrDefault(double.NaN), state.EpochLossSum / Math.Max(1, state.StepInEpoch), 0, null, null));
                    auc = Validate(detector, validation, cancel);
                    state.ValidationAucs[epoch] = auc.Value;
                    if (state.BestAuc is null || auc > state.BestAuc)
                    {
                        state.BestAuc = auc;
                        state.BestEpoch = epoch;
                        SaveBest(detector, epoch, auc.Value);
                    }
                    detector.train();
                }
                _log($"Epoch {epoch + 1}/{options.Epochs} done: mean loss {state.EpochLossSum / Math.Max(1, state.StepInEpoch):F4}" +
                     (auc is { } a ? $", validation AUC {a:F4}" : "") + $" ({epochClock.Elapsed:hh\\:mm\\:ss}; waited {epochInputWait.TotalSeconds:F1} s " +
                     "for input batches).");
                state.Epoch++;
                state.ExamplesConsumedInEpoch = 0;
                state.StepInEpoch = 0;
                state.EpochLossSum = 0;
                SaveCheckpoint(detector, optimizer, state);
            }
            if (StepLimitReached(state) && state.Epoch < options.Epochs) SaveCheckpoint(detector, optimizer, state);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            cancelled = true;
        }

        if (cancelled)
        {
            SaveCheckpoint(detector, optimizer, state);
            _log($"Training cancelled at epoch {state.Epoch + 1}, step {state.GlobalStep}" +
                 (options.CheckpointDirectory is null ? "." : $"; checkpoint kept in {options.CheckpointDirectory}."));
        }
        else if (validation is not null && options.SelectBestByValidationAuc && state.BestEpoch is { } best)
        {
            RestoreBest(detector, best);
        }

        FlushLosses(state);
        detector.eval();
        detector.ComputeType = previousComputeType;
        options.Progress?.Report(new StaTrainingProgress(StaTrainingPhase.Completed, Math.Min(state.Epoch, options.Epochs - 1), options.Epochs,
            state.GlobalStep, state.StepInEpoch, state.StepLosses.LastOrDefault(double.NaN), double.NaN, 0, TimeSpan.Zero, state.BestAuc));
        return new StaTrainingResult(state.StepLosses.ToList(), state.Epoch, new Dictionary<int, double>(state.ValidationAucs),
            validation is not null && options.SelectBestByValidationAuc && !cancelled ? state.BestEpoch : null, resumedFrom, cancelled);
    }

    private bool StepLimitReached(TrainingCheckpointState state) => _options.MaxSteps is { } max && state.GlobalStep >= max;

    /// <summary>
    /// Reads the epoch from <paramref name="skip"/> on, groups dataset clips into batches (skipping dataset fakes in
    /// mode (a)), synthesizes Video-level Blending twins and augments every clip. Runs on the prefetch thread; every draw
    /// is seeded by (seed, epoch, row, purpose), so the batches do not depend on timing.
    /// </summary>
    private IEnumerable<PreparedBatch> PrepareBatches(ITrainingData training, int epoch, long skip, long clipLength, CancellationToken cancel)
    {
        var pending = new List<TrainingExample>(_options.BatchSize);
        long consumed = skip;
        var network = _options.Network;
        foreach (var example in training.ReadEpoch(epoch, skip, cancel))
        {
            if (example.Clip.LongLength != clipLength)
                throw new InvalidDataException($"Training row {example.RowIndex}: clip has {example.Clip.LongLength} values, the network needs " +
                    $"{network.NumFrames}x3x{network.InputResolution}x{network.InputResolution} = {clipLength}.");
            consumed++;
            if (_options.VideoBlending == VideoBlendingMode.RealAndBlended && example.Label) continue;
            pending.Add(example);
            if (pending.Count < _options.BatchSize) continue;
            yield return Prepare(pending, epoch, clipLength, consumed);
            pending.Clear();
        }
        if (pending.Count > 0) yield return Prepare(pending, epoch, clipLength, consumed);
    }

    private PreparedBatch Prepare(List<TrainingExample> examples, int epoch, long clipLength, long consumedAfter)
    {
        var clips = new List<float[]>(examples.Count * 2);
        var labels = new List<long>(examples.Count * 2);
        var twins = new List<float[]>();
        foreach (var example in examples)
        {
            var clip = (float[])example.Clip.Clone();
            if (_options.Augment) _augmenter!.Augment(clip, DeterministicSeed.Mix(_options.Seed, epoch, example.RowIndex, 2));
            clips.Add(clip);
            labels.Add(example.Label ? 1 : 0);
            bool blend = _options.VideoBlending != VideoBlendingMode.None && !example.Label &&
                         DeterministicSeed.Unit(DeterministicSeed.Mix(_options.Seed, epoch, example.RowIndex, 1)) < _options.BlendingRatio;
            if (!blend) continue;
            var twin = _synthesizer!.Synthesize(example, DeterministicSeed.Mix(_options.Seed, epoch, example.RowIndex, 3));
            if (twin.LongLength != clipLength) throw new InvalidOperationException("The synthesizer returned a clip of the wrong size.");
            if (_options.Augment) _augmenter!.Augment(twin, DeterministicSeed.Mix(_options.Seed, epoch, example.RowIndex, 4));
            twins.Add(twin);
        }
        // Batch layout as the official VB collate: dataset clips first, then their synthesized twins (label fake).
        clips.AddRange(twins);
        labels.AddRange(Enumerable.Repeat(1L, twins.Count));
        bool pinned = HostBatch.PinFor(_device);
        var clipTensor = HostBatch.Clips(clips, clips.Count, _options.Network, pinned);
        try
        {
            return new PreparedBatch(clipTensor, HostBatch.Labels(labels.ToArray(), pinned), consumedAfter);
        }
        catch
        {
            clipTensor.Dispose();
            throw;
        }
    }

    /// <returns>Clips in the step's batch.</returns>
    private int TrainStep(StaDetector detector, StaAdam optimizer, PreparedBatch batch, TrainingCheckpointState state)
    {
        int count = batch.Count;
        using var scope = NewDisposeScope();
        var input = HostBatch.Upload(batch.Clips, _device);
        var target = HostBatch.Upload(batch.Labels, _device);

        // Dropout draws depend on the step only, so a resumed run draws the same masks as an uninterrupted one.
        using var dropoutGenerator = new Generator(DeterministicSeed.Mix(_options.Seed, state.GlobalStep, 5));
        detector.Head.DropoutGenerator = dropoutGenerator;
        optimizer.ZeroGrad();
        using var output = detector.forward(input);
        var loss = nn.functional.cross_entropy(output.Logits, target);
        loss.backward();
        optimizer.StepOnce();
        detector.Head.DropoutGenerator = null;
        // Reading the loss forces the host to wait for the device; losses are collected on the device and read
        // every ReportEverySteps steps (and before checkpoints and at epoch ends) instead of after every step.
        _pendingLosses.Add(loss.detach().DetachFromDisposeScope());
        state.GlobalStep++;
        state.StepInEpoch++;
        return count;
    }

    private readonly List<Tensor> _pendingLosses = [];

    /// <summary>Moves the losses of the steps since the last flush into the state (one device-to-host copy).</summary>
    private void FlushLosses(TrainingCheckpointState state)
    {
        if (_pendingLosses.Count == 0) return;
        float[] values;
        using (var stacked = stack(_pendingLosses))
            values = stacked.to_type(ScalarType.Float32).cpu().data<float>().ToArray();
        long firstStep = state.GlobalStep - values.Length;
        foreach (var tensor in _pendingLosses) tensor.Dispose();
        _pendingLosses.Clear();
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
                throw new InvalidOperationException($"Training diverged: loss is {values[i]} at step {firstStep + i}. Lower the learning rate.");
            state.StepLosses.Add(values[i]);
            state.EpochLossSum += values[i];
        }
    }

    private long? _stepsPerEpoch;

    /// <summary>Steps between progress reports (each report reads the pending losses from the device).</summary>
    private int ReportEverySteps => _options.ReportEverySteps ?? (_device.type == DeviceType.CUDA ? 10 : 1);

    private void AfterStep(StaDetector detector, StaAdam optimizer, TrainingCheckpointState state, Stopwatch epochClock,
        long epochClips, long epochStartStep, TimeSpan inputWait)
    {
        bool reportNow = state.GlobalStep % ReportEverySteps == 0 ||
                         _options.CheckpointEverySteps > 0 && state.GlobalStep % _options.CheckpointEverySteps == 0 ||
                         _options.MaxSteps is { } limit && state.GlobalStep >= limit || _options.CancellationToken.IsCancellationRequested;
        if (!reportNow) return;
        FlushLosses(state);
        double seconds = Math.Max(epochClock.Elapsed.TotalSeconds, 1e-9);
        long stepsTimed = Math.Max(1, state.StepInEpoch - epochStartStep);
        double secondsPerStep = seconds / stepsTimed;
        long? remainingSteps = null;
        if (_stepsPerEpoch is { } perEpoch)
            remainingSteps = Math.Max(0, perEpoch - state.StepInEpoch) + perEpoch * (_options.Epochs - state.Epoch - 1);
        if (_options.MaxSteps is { } max)
            remainingSteps = Math.Min(remainingSteps ?? long.MaxValue, Math.Max(0, max - state.GlobalStep));
        TimeSpan? eta = remainingSteps is { } r ? TimeSpan.FromSeconds(secondsPerStep * r) : null;
        var report = new StaTrainingProgress(StaTrainingPhase.Training, state.Epoch, _options.Epochs, state.GlobalStep, state.StepInEpoch,
            state.StepLosses[^1], state.EpochLossSum / state.StepInEpoch, epochClips / seconds, eta, null)
        {
            InputWaitShare = Math.Clamp(inputWait.TotalSeconds / seconds, 0, 1),
        };
        _options.Progress?.Report(report);
        _log(report.ToString());
        if (_options.CheckpointEverySteps > 0 && state.GlobalStep % _options.CheckpointEverySteps == 0)
        {
            SaveCheckpoint(detector, optimizer, state);
            _options.Progress?.Report(report with { Phase = StaTrainingPhase.Checkpointing });
        }
    }

    private double Validate(StaDetector detector, ITrainingData validation, CancellationToken cancel)
    {
        var network = detector.Options;
        detector.eval();
        var scores = new List<float>();
        var labels = new List<bool>();
        var batch = new List<TrainingExample>(_options.BatchSize);
        void Flush()
        {
            if (batch.Count == 0) return;
            using var scope = NewDisposeScope();
            using var guard = no_grad();
            var input = HostBatch.Upload(HostBatch.Clips(batch.Select(b => b.Clip).ToList(), batch.Count, network, pinned: false), _device);
            using var output = detector.forward(input);
            scores.AddRange(output.Probability.cpu().data<float>().ToArray());
            labels.AddRange(batch.Select(b => b.Label));
            batch.Clear();
        }
        foreach (var example in validation.ReadEpoch(0, 0, cancel))
        {
            batch.Add(example);
            if (batch.Count == _options.BatchSize) Flush();
        }
        Flush();
        if (labels.All(l => l) || labels.All(l => !l))
            throw new InvalidDataException("Validation data must contain both real and fake clips to compute an AUC.");
        return _auc(scores, labels);
    }

    private void SaveCheckpoint(StaDetector detector, StaAdam optimizer, TrainingCheckpointState state)
    {
        FlushLosses(state);
        if (_options.CheckpointDirectory is not { } directory) return;
        var last = Path.Combine(directory, LastFolder);
        var staging = last + ".tmp";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        StaCheckpoint.Save(detector, Path.Combine(staging, ModelFile), CheckpointFormat.SafeTensors);
        optimizer.Save(Path.Combine(staging, OptimizerFile));
        state.Save(Path.Combine(staging, StateFile));
        // Replace the previous checkpoint only once the new one is complete: a crash leaves one usable checkpoint.
        if (Directory.Exists(last)) Directory.Delete(last, recursive: true);
        Directory.Move(staging, last);
    }

    private TrainingCheckpointState? TryResume(string directory, StaDetector detector, StaAdam optimizer, string fingerprint)
    {
        var last = Path.Combine(directory, LastFolder);
        var statePath = Path.Combine(last, StateFile);
        if (!File.Exists(statePath)) return null;
        var state = TrainingCheckpointState.Load(statePath);
        if (state.Fingerprint != fingerprint)
            throw new InvalidOperationException(
                $"The checkpoint in {last} was written by a run with different settings (network, batch size, optimizer, seed or blending). " +
                "Use another CheckpointDirectory, delete that checkpoint, or set Resume = false.");
        StaCheckpoint.Load(detector, Path.Combine(last, ModelFile));
        detector.to(_device);
        optimizer.Load(Path.Combine(last, OptimizerFile));
        return state;
    }

    private void SaveBest(StaDetector detector, int epoch, double auc)
    {
        if (_options.CheckpointDirectory is { } directory)
        {
            var best = Path.Combine(directory, BestFolder);
            Directory.CreateDirectory(best);
            StaCheckpoint.Save(detector, Path.Combine(best, ModelFile), CheckpointFormat.SafeTensors);
            File.WriteAllText(Path.Combine(best, "best.json"), $"{{\"epoch\": {epoch}, \"auc\": {auc.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}}}");
        }
        else
        {
            _bestInMemory?.Values.ToList().ForEach(t => t.Dispose());
            _bestInMemory = detector.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone().cpu());
        }
    }

    private Dictionary<string, Tensor>? _bestInMemory;

    private void RestoreBest(StaDetector detector, int epoch)
    {
        if (_options.CheckpointDirectory is { } directory)
        {
            StaCheckpoint.Load(detector, Path.Combine(directory, BestFolder, ModelFile));
        }
        else if (_bestInMemory is not null)
        {
            StateDictBinder.Apply(detector, _bestInMemory, "best validation epoch");
            foreach (var tensor in _bestInMemory.Values) tensor.Dispose();
            _bestInMemory = null;
        }
        detector.to(_device);
        _log($"Kept the weights of epoch {epoch + 1} (best validation AUC).");
    }
}

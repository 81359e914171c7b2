using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet;

/// <summary>
/// One <see cref="StaTrainingLoop.Run"/>: the optimizer, the position and history (<see cref="TrainingCheckpointState"/>),
/// losses still on the device, the best epoch's weights and the cancellation of this run. Nothing of it outlives the
/// run, so a second run on the same loop starts clean; <see cref="Dispose"/> frees every tensor it still holds, also
/// when the run failed.
/// </summary>
internal sealed class TrainingRun : IDisposable
{
    private const string LastFolder = "last";
    private const string BestFolder = "best";
    private const string ModelFile = "model.safetensors";
    private const string OptimizerFile = "optimizer.safetensors";
    private const string StateFile = "state.json";
    private const string BestInfoFile = "best.json";

    private readonly StaTrainingLoop _loop;
    private readonly StaTrainer.Options _options;
    private readonly StaDetector _detector;
    private readonly ITrainingData _training;
    private readonly ITrainingData? _validation;
    private readonly CheckpointFolder? _last;
    private readonly CheckpointFolder? _best;
    // Cancelled by the caller's token or by the loop's CheckAlive; everything the run starts observes this one.
    private readonly CancellationTokenSource _stop;
    // Losses stay on the device until a report, checkpoint or epoch end needs them (reading one waits for the device).
    private readonly List<Tensor> _pendingLosses = [];
    private StaAdam? _optimizer;
    private TrainingCheckpointState _state;
    private long? _stepsPerEpoch;
    private Dictionary<string, Tensor>? _bestInMemory;

    public TrainingRun(StaTrainingLoop loop, StaDetector detector, ITrainingData training, ITrainingData? validation)
    {
        _loop = loop;
        _options = loop.Options;
        _detector = detector;
        _training = training;
        _validation = validation;
        _state = new TrainingCheckpointState { Fingerprint = _options.Fingerprint() };
        if (_options.CheckpointDirectory is { } directory)
        {
            _last = new CheckpointFolder(Path.Combine(directory, LastFolder), [ModelFile, OptimizerFile, StateFile], _options.FaultProbe);
            _best = new CheckpointFolder(Path.Combine(directory, BestFolder), [ModelFile, BestInfoFile], _options.FaultProbe);
        }
        _stop = CancellationTokenSource.CreateLinkedTokenSource(_options.CancellationToken);
    }

    private Device Device => _loop.Device;

    private bool SelectsBest => _validation is not null && _options.SelectBestByValidationAuc;

    /// <summary>Trains; the detector's compute type, dropout generator and eval mode are restored however it ends.</summary>
    public StaTrainingResult Execute()
    {
        var computeTypeBefore = _detector.ComputeType;
        try
        {
            return Train();
        }
        finally
        {
            _detector.Head.DropoutGenerator = null;
            _detector.eval();
            _detector.ComputeType = computeTypeBefore;
        }
    }

    public void Dispose()
    {
        DisposePendingLosses();
        DisposeBestInMemory();
        _optimizer?.Dispose();
        _stop.Dispose();
    }

    private StaTrainingResult Train()
    {
        var options = _options;
        var network = _detector.Options;
        _detector.to(Device);
        long trainable = StaParameterGroups.Apply(_detector, options.TuningMode);
        if (options.UseBf16OnCuda && Device.type == DeviceType.CUDA) _detector.ComputeType = ScalarType.BFloat16;
        if (options.CudnnAutotuning && Device.type == DeviceType.CUDA && !CudnnAutotuning.TrySet(true))
            _loop.Log("cuDNN autotuning could not be enabled with this libtorch; continuing with its default algorithms.");
        var parameters = _detector.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter)).ToList();
        _optimizer = new StaAdam(parameters, options.LearningRate, options.Beta1, options.Beta2, options.AdamEpsilon,
            options.WeightDecay, decoupledWeightDecay: options.Optimizer == StaOptimizerKind.AdamW);
        _loop.Log($"StA training: {trainable:N0} trainable parameters ({options.TuningMode}), device {Device}, batch {options.BatchSize}, " +
                  $"{options.Epochs} epoch(s), blending {options.VideoBlending}, augmentation {(options.Augment ? "on" : "off")}.");

        long? resumedFrom = null;
        if (options.Resume && TryResume() is { } resumed)
        {
            _state = resumed;
            resumedFrom = _state.GlobalStep;
            _loop.Log($"Resumed from {_last!.Path} at epoch {_state.Epoch + 1}, step {_state.GlobalStep}.");
        }

        long clipLength = (long)network.NumFrames * 3 * network.InputResolution * network.InputResolution;
        bool cancelled = false;
        try
        {
            while (_state.Epoch < options.Epochs && !StepLimitReached())
            {
                if (StopRequested() || !TrainEpoch(clipLength))
                {
                    cancelled = _stop.IsCancellationRequested;
                    break;
                }
            }
            if (!cancelled && StepLimitReached() && _state.Epoch < options.Epochs) SaveCheckpoint();
        }
        // StopRequested also catches an OperationCanceledException that ML.NET's own code (a data cursor) threw for
        // MLContext.CancelExecution() before this run asked CheckAlive.
        catch (OperationCanceledException) when (_stop.IsCancellationRequested || StopRequested())
        {
            cancelled = true;
        }

        if (cancelled)
        {
            SaveCheckpoint();
            _loop.Log($"Training cancelled at epoch {_state.Epoch + 1}, step {_state.GlobalStep}" +
                      (options.CheckpointDirectory is null ? "." : $"; checkpoint kept in {options.CheckpointDirectory}."));
        }
        else if (SelectsBest && _state.BestEpoch is { } best)
        {
            RestoreBest(best);
        }

        FlushLosses();
        options.Progress?.Report(new StaTrainingProgress(StaTrainingPhase.Completed, Math.Min(_state.Epoch, options.Epochs - 1), options.Epochs,
            _state.GlobalStep, _state.StepInEpoch, _state.StepLosses.LastOrDefault(double.NaN), double.NaN, 0, TimeSpan.Zero, _state.BestAuc));
        return new StaTrainingResult(_state.StepLosses.ToList(), _state.Epoch, new Dictionary<int, double>(_state.ValidationAucs),
            SelectsBest && !cancelled ? _state.BestEpoch : null, resumedFrom, cancelled);
    }

    /// <summary>
    /// Trains (the rest of) the current epoch, validates and checkpoints it; false when the run stops inside it (asked to
    /// stop, or at <see cref="StaTrainer.Options.MaxSteps"/>).
    /// </summary>
    private bool TrainEpoch(long clipLength)
    {
        var options = _options;
        int epoch = _state.Epoch;
        long epochStarted = _loop.Clock.GetTimestamp();
        long epochClips = 0, epochStartStep = _state.StepInEpoch;
        bool stoppedEarly = false;
        TimeSpan epochInputWait;
        _detector.train();
        // Batches are prepared (read, blended, augmented) on a background thread two batches ahead of the step.
        long startConsumed = _state.ExamplesConsumedInEpoch;
        using (var prefetch = new Prefetcher<PreparedBatch>(
                   token => _loop.PrepareBatches(_training, epoch, startConsumed, clipLength, token), capacity: 2, _stop.Token, _loop.Clock))
        {
            foreach (var batch in prefetch.Items())
            {
                using (batch) epochClips += TrainStep(batch);
                _state.ExamplesConsumedInEpoch = batch.ExamplesConsumedAfter;
                options.FaultProbe?.Invoke(TrainingFaultPoints.Step);
                AfterStep(epochStarted, epochClips, epochStartStep, prefetch.WaitTime);
                if (StopRequested() || StepLimitReached())
                {
                    stoppedEarly = true;
                    break;
                }
            }
            epochInputWait = prefetch.WaitTime;
        }
        if (stoppedEarly || StopRequested()) return false;
        FlushLosses();
        _stepsPerEpoch ??= _state.StepInEpoch;

        double? auc = null;
        if (_validation is not null && (epoch + 1) % options.ValidateEveryEpochs == 0)
        {
            options.Progress?.Report(new StaTrainingProgress(StaTrainingPhase.Validating, epoch, options.Epochs, _state.GlobalStep,
                _state.StepInEpoch, _state.StepLosses.LastOrDefault(double.NaN), _state.EpochLossSum / Math.Max(1, _state.StepInEpoch), 0, null, null));
            auc = Validate(_validation);
            _state.ValidationAucs[epoch] = auc.Value;
            if (_state.BestAuc is null || auc > _state.BestAuc)
            {
                _state.BestAuc = auc;
                _state.BestEpoch = epoch;
                SaveBest(epoch, auc.Value);
            }
            _detector.train();
        }
        _loop.Log($"Epoch {epoch + 1}/{options.Epochs} done: mean loss {_state.EpochLossSum / Math.Max(1, _state.StepInEpoch):F4}" +
                  (auc is { } a ? $", validation AUC {a:F4}" : "") + $" ({_loop.Clock.GetElapsedTime(epochStarted):hh\\:mm\\:ss}; waited " +
                  $"{epochInputWait.TotalSeconds:F1} s for input batches).");
        _state.Epoch++;
        _state.ExamplesConsumedInEpoch = 0;
        _state.StepInEpoch = 0;
        _state.EpochLossSum = 0;
        SaveCheckpoint();
        return true;
    }

    private bool StepLimitReached() => _options.MaxSteps is { } max && _state.GlobalStep >= max;

    /// <summary>Asks the loop's <see cref="StaTrainingLoop.CheckAlive"/>; true once this run has been asked to stop.</summary>
    private bool StopRequested()
    {
        if (!_stop.IsCancellationRequested && _loop.CheckAlive is { } checkAlive)
        {
            try
            {
                checkAlive();
            }
            catch (OperationCanceledException)
            {
                _stop.Cancel();
            }
        }
        return _stop.IsCancellationRequested;
    }

    /// <returns>Clips in the step's batch.</returns>
    private int TrainStep(PreparedBatch batch)
    {
        int count = batch.Count;
        using var scope = NewDisposeScope();
        var input = HostBatch.Upload(batch.Clips, Device);
        var target = HostBatch.Upload(batch.Labels, Device);

        // Dropout draws depend on the step only, so a resumed run draws the same masks as an uninterrupted one.
        using var dropoutGenerator = new Generator(StableRandom.SeedFrom(_options.Seed, _state.GlobalStep, 5));
        _detector.Head.DropoutGenerator = dropoutGenerator;
        Tensor loss;
        try
        {
            _optimizer!.ZeroGrad();
            using var output = _detector.forward(input);
            loss = nn.functional.cross_entropy(output.Logits, target);
            loss.backward();
            _optimizer.StepOnce();
        }
        finally
        {
            _detector.Head.DropoutGenerator = null;
        }
        _pendingLosses.Add(loss.detach().DetachFromDisposeScope());
        _state.GlobalStep++;
        _state.StepInEpoch++;
        return count;
    }

    /// <summary>Moves the losses of the steps since the last flush into the state (one device-to-host copy).</summary>
    private void FlushLosses()
    {
        if (_pendingLosses.Count == 0) return;
        float[] values;
        using (var scope = NewDisposeScope())
        {
            using var stacked = stack(_pendingLosses);
            values = stacked.to_type(ScalarType.Float32).cpu().data<float>().ToArray();
        }
        long firstStep = _state.GlobalStep - values.Length;
        DisposePendingLosses();
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
                throw new InvalidOperationException($"Training diverged: loss is {values[i]} at step {firstStep + i}. Lower the learning rate.");
            _state.StepLosses.Add(values[i]);
            _state.EpochLossSum += values[i];
        }
    }

    private void DisposePendingLosses()
    {
        foreach (var tensor in _pendingLosses) tensor.Dispose();
        _pendingLosses.Clear();
    }

    /// <summary>Steps between progress reports (each report reads the pending losses from the device).</summary>
    private int ReportEverySteps => _options.ReportEverySteps ?? (Device.type == DeviceType.CUDA ? 10 : 1);

    private void AfterStep(long epochStarted, long epochClips, long epochStartStep, TimeSpan inputWait)
    {
        var options = _options;
        var state = _state;
        bool checkpointNow = options.CheckpointEverySteps > 0 && state.GlobalStep % options.CheckpointEverySteps == 0;
        bool reportNow = state.GlobalStep % ReportEverySteps == 0 || checkpointNow ||
                         options.MaxSteps is { } limit && state.GlobalStep >= limit || _stop.IsCancellationRequested;
        if (!reportNow) return;
        FlushLosses();
        double seconds = Math.Max(_loop.Clock.GetElapsedTime(epochStarted).TotalSeconds, 1e-9);
        long stepsTimed = Math.Max(1, state.StepInEpoch - epochStartStep);
        double secondsPerStep = seconds / stepsTimed;
        long? remainingSteps = null;
        if (_stepsPerEpoch is { } perEpoch)
            remainingSteps = Math.Max(0, perEpoch - state.StepInEpoch) + perEpoch * (options.Epochs - state.Epoch - 1);
        if (options.MaxSteps is { } max)
            remainingSteps = Math.Min(remainingSteps ?? long.MaxValue, Math.Max(0, max - state.GlobalStep));
        TimeSpan? eta = remainingSteps is { } r ? TimeSpan.FromSeconds(secondsPerStep * r) : null;
        var report = new StaTrainingProgress(StaTrainingPhase.Training, state.Epoch, options.Epochs, state.GlobalStep, state.StepInEpoch,
            state.StepLosses[^1], state.EpochLossSum / state.StepInEpoch, epochClips / seconds, eta, null)
        {
            InputWaitShare = Math.Clamp(inputWait.TotalSeconds / seconds, 0, 1),
        };
        options.Progress?.Report(report);
        _loop.Log(report.ToString());
        if (checkpointNow)
        {
            SaveCheckpoint();
            options.Progress?.Report(report with { Phase = StaTrainingPhase.Checkpointing });
        }
    }

    private double Validate(ITrainingData validation)
    {
        var network = _detector.Options;
        _detector.eval();
        var scores = new List<float>();
        var labels = new List<bool>();
        var batch = new List<TrainingExample>(_options.BatchSize);
        void Flush()
        {
            if (batch.Count == 0) return;
            if (StopRequested()) throw new OperationCanceledException(_stop.Token);
            using var scope = NewDisposeScope();
            using var guard = no_grad();
            var input = HostBatch.Upload(HostBatch.Clips(batch.Select(b => b.Clip).ToList(), batch.Count, network, pinned: false), Device);
            using var output = _detector.forward(input);
            scores.AddRange(output.Probability.cpu().data<float>().ToArray());
            labels.AddRange(batch.Select(b => b.Label));
            batch.Clear();
        }
        foreach (var example in validation.ReadEpoch(0, 0, _stop.Token))
        {
            batch.Add(example);
            if (batch.Count == _options.BatchSize) Flush();
        }
        Flush();
        if (labels.All(l => l) || labels.All(l => !l))
            throw new InvalidDataException("Validation data must contain both real and fake clips to compute an AUC.");
        return _loop.Auc(scores, labels);
    }

    private void SaveCheckpoint()
    {
        FlushLosses();
        if (_last is null) return;
        var optimizer = _optimizer!;
        var state = _state;
        _last.Replace(
        [
            new CheckpointFile(ModelFile, path => StaCheckpoint.Save(_detector, path, CheckpointFormat.SafeTensors)),
            new CheckpointFile(OptimizerFile, optimizer.Save),
            new CheckpointFile(StateFile, state.Save),
        ]);
    }

    /// <summary>Loads the newest complete checkpoint of this configuration, or returns null when there is none.</summary>
    private TrainingCheckpointState? TryResume()
    {
        if (_last is null || !_last.Recover()) return null;
        var state = TrainingCheckpointState.Load(Path.Combine(_last.Path, StateFile));
        if (state.Fingerprint != _state.Fingerprint)
            throw new InvalidOperationException(
                $"The checkpoint in {_last.Path} was written by a run with different settings (network, batch size, optimizer, seed or blending). " +
                "Use another CheckpointDirectory, delete that checkpoint, or set Resume = false.");
        StaCheckpoint.Load(_detector, Path.Combine(_last.Path, ModelFile));
        _detector.to(Device);
        _optimizer!.Load(Path.Combine(_last.Path, OptimizerFile));
        return state;
    }

    private void SaveBest(int epoch, double auc)
    {
        if (_best is not null)
        {
            _best.Replace(
            [
                new CheckpointFile(ModelFile, path => StaCheckpoint.Save(_detector, path, CheckpointFormat.SafeTensors)),
                new CheckpointFile(BestInfoFile, path => File.WriteAllText(path, JsonSerializer.Serialize(new BestInfo(epoch, auc), BestInfoJson))),
            ]);
        }
        else if (SelectsBest)
        {
            KeepBestInMemory();
        }
    }

    /// <summary>A host copy of every weight and buffer (only the weights at the end of the best epoch are ever needed).</summary>
    private void KeepBestInMemory()
    {
        // The previous copy goes first, so that the host holds one copy at a time.
        DisposeBestInMemory();
        using var scope = NewDisposeScope();
        var copy = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in _detector.state_dict())
            copy[name] = tensor.detach().to(CPU, copy: true);
        // Until here a failure leaves the copies to the scope; from here on the run owns them.
        foreach (var tensor in copy.Values) tensor.DetachFromDisposeScope();
        _bestInMemory = copy;
    }

    private void DisposeBestInMemory()
    {
        if (_bestInMemory is null) return;
        foreach (var tensor in _bestInMemory.Values) tensor.Dispose();
        _bestInMemory = null;
    }

    private void RestoreBest(int epoch)
    {
        if (_best is not null)
        {
            if (!_best.Recover())
                throw new InvalidDataException($"The best epoch's weights are missing from {_best.Path}; the run's state names epoch {epoch + 1}.");
            var info = ReadBestInfo(Path.Combine(_best.Path, BestInfoFile));
            if (info.Epoch != epoch)
                throw new InvalidDataException($"{_best.Path} holds the weights of epoch {info.Epoch + 1}, but the run's best epoch is {epoch + 1}.");
            StaCheckpoint.Load(_detector, Path.Combine(_best.Path, ModelFile));
        }
        else if (_bestInMemory is not null)
        {
            StateDictBinder.Apply(_detector, _bestInMemory, "best validation epoch");
            DisposeBestInMemory();
        }
        _detector.to(Device);
        _loop.Log($"Kept the weights of epoch {epoch + 1} (best validation AUC).");
    }

    // An AUC can be NaN (e.g. every score equal), which plain JSON numbers cannot hold.
    private static readonly JsonSerializerOptions BestInfoJson = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private static BestInfo ReadBestInfo(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<BestInfo>(File.ReadAllText(path), BestInfoJson) ?? throw new InvalidDataException($"Empty {path}.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Corrupt {path}: {e.Message}", e);
        }
    }

    /// <summary>What <c>best.json</c> holds: the 0-based epoch and its validation AUC.</summary>
    private sealed record BestInfo(
        [property: JsonPropertyName("epoch")] int Epoch,
        [property: JsonPropertyName("auc")] double Auc);
}

namespace Sta.MLNet;

/// <summary>What the trainer is doing.</summary>
public enum StaTrainingPhase
{
    /// <summary>Optimizer steps on the training data.</summary>
    Training,

    /// <summary>Scoring the validation data after an epoch.</summary>
    Validating,

    /// <summary>Writing a resumable checkpoint.</summary>
    Checkpointing,

    /// <summary>The run has ended (all epochs, MaxSteps or cancellation).</summary>
    Completed,
}

/// <summary>A progress report of the StA trainer (also written as a log line to the ML.NET channel).</summary>
/// <param name="Epoch">0-based epoch.</param>
/// <param name="Epochs">Total epochs.</param>
/// <param name="GlobalStep">Optimizer steps done since the run started (resumed runs included).</param>
/// <param name="StepInEpoch">Optimizer steps done in this epoch.</param>
/// <param name="Loss">Loss of the last step.</param>
/// <param name="MeanEpochLoss">Mean loss of this epoch so far.</param>
/// <param name="ClipsPerSecond">Training clips (real, dataset-fake and synthesized) per second in this epoch.</param>
/// <param name="EstimatedRemaining">Time left for the whole run, when it can be estimated.</param>
/// <param name="ValidationAuc">Clip-level AUC of the last validation, if any.</param>
public sealed record StaTrainingProgress(
    StaTrainingPhase Phase,
    int Epoch,
    int Epochs,
    long GlobalStep,
    long StepInEpoch,
    double Loss,
    double MeanEpochLoss,
    double ClipsPerSecond,
    TimeSpan? EstimatedRemaining,
    double? ValidationAuc)
{
    /// <summary>
    /// Share of this epoch's time (0-1) in which the network waited for the next batch to be read, blended and augmented:
    /// near 0 when the network is the bottleneck; a large share means the input side (disk, decoding, Video-level
    /// Blending, augmentation on the CPU) limits training. Reported in the Training phase.
    /// </summary>
    public double InputWaitShare { get; init; }

    /// <summary>The report as one log line (phase, epoch, step, losses, throughput, validation AUC, time left).</summary>
    public override string ToString() =>
        $"[{Phase}] epoch {Epoch + 1}/{Epochs} step {StepInEpoch} (global {GlobalStep}) loss {Loss:F4} (epoch mean {MeanEpochLoss:F4}), " +
        $"{ClipsPerSecond:F1} clips/s" + (Phase == StaTrainingPhase.Training ? $", input wait {InputWaitShare:P0}" : "") +
        (EstimatedRemaining is { } eta ? $", ETA {eta:hh\\:mm\\:ss}" : "") +
        (ValidationAuc is { } auc ? $", val AUC {auc:F4}" : "");
}

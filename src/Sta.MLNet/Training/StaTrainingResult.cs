namespace Sta.MLNet;

/// <summary>What a training run did.</summary>
/// <param name="StepLosses">Loss of every optimizer step since the run started (a resumed run includes the steps
/// before its interruption, read back from the checkpoint).</param>
/// <param name="EpochsCompleted">Epochs fully done.</param>
/// <param name="ValidationAucs">Clip-level validation AUC per validated epoch (epoch → AUC).</param>
/// <param name="BestEpoch">Epoch whose weights the detector holds at the end when best-selection applied.</param>
/// <param name="ResumedFromStep">Global step a checkpoint was resumed from, or null for a fresh run.</param>
/// <param name="Cancelled">True when the run stopped on its cancellation token (a checkpoint was written if configured).</param>
public sealed record StaTrainingResult(
    IReadOnlyList<double> StepLosses,
    int EpochsCompleted,
    IReadOnlyDictionary<int, double> ValidationAucs,
    int? BestEpoch,
    long? ResumedFromStep,
    bool Cancelled);

namespace Sta.MLNet;

/// <summary>
/// Names of the moments at which a training run calls <see cref="StaTrainer.Options.FaultProbe"/>: the places where a
/// crash-test harness stops the process to check that every interruption resumes to the same weights.
/// </summary>
internal static class TrainingFaultPoints
{
    /// <summary>An optimizer step is done; its progress report and checkpoint come next.</summary>
    public const string Step = "step";

    /// <summary>
    /// The moments of replacing a checkpoint folder, in order; each is reported as <c>&lt;folder&gt;:&lt;moment&gt;</c>
    /// with folder <c>last</c> or <c>best</c>, and <c>written:&lt;file&gt;</c> once per file (see <see cref="CheckpointFolder.Replace"/>).
    /// </summary>
    public static IReadOnlyList<string> FolderMoments { get; } = ["staging-created", "written:<file>", "complete", "set-aside", "renamed", "replaced"];
}

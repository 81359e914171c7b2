using Microsoft.ML;

namespace Sta.MLNet;

/// <summary>
/// What a stage may do while ML.NET saves it: write its options to the stage's own model stream
/// (<see cref="Writer"/>) and add named binary entries beside it (e.g. network weights as <c>TSModel</c>).
/// Created by the stage base class inside <c>ICanSaveModel.Save</c>; the header (signature, versions, loader
/// assembly) is already written and the payload starts with the format version (<see cref="StageLoadContext.FormatVersion"/>).
/// </summary>
internal sealed class StageSaveContext
{
    private readonly ModelSaveContext _context;

    private StageSaveContext(ModelSaveContext context) => _context = context;

    /// <summary>The stage's model stream, positioned after the header and the format version.</summary>
    public BinaryWriter Writer => (BinaryWriter)MLNetInternals.Get().SaveWriter.GetValue(_context)!;

    /// <summary>
    /// Starts the stage's model stream: checks the position, writes <paramref name="version"/> and the loader assembly
    /// (<paramref name="stageType"/>'s assembly full name, which ML.NET stores and loads again, see docs/persistence.md),
    /// then writes <see cref="StageVersionInfo.VerWrittenCur"/> as the first payload value.
    /// </summary>
    public static StageSaveContext Begin(ModelSaveContext context, StageVersionInfo version, Type stageType)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(stageType);
        version.Validate();
        var members = MLNetInternals.Get();
        var versionInfo = MLNetInternals.CreateVersionInfo(version, stageType.Assembly.FullName!);
        MLNetInternals.Invoke(() => members.SaveCheckAtModel.Invoke(context, null));
        MLNetInternals.Invoke(() => members.SaveSetVersionInfo.Invoke(context, [versionInfo]));
        var result = new StageSaveContext(context);
        result.Writer.Write(version.VerWrittenCur);
        return result;
    }

    /// <summary>
    /// Writes a separate entry <paramref name="name"/> in the stage's folder of the model zip. Only possible when the
    /// model is saved into a repository (<c>mlContext.Model.Save</c>), which is the only way ML.NET saves transformers.
    /// </summary>
    public void SaveBinaryStream(string name, Action<BinaryWriter> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(write);
        MLNetInternals.Invoke(() => MLNetInternals.Get().SaveBinaryStream.Invoke(_context, [name, write]));
    }
}

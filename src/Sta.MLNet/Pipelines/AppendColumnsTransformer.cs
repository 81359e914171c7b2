using Microsoft.ML.Data;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace Sta.MLNet;

/// <summary>
/// Base of Sta.MLNet's row-to-row transformers: appends <see cref="OutputColumns"/> to its input, lazily. Cursors wrap
/// the input cursor, pass input columns through and compute appended columns only when read (batched when the mapping
/// asks for it); <c>GetRowCursorSet</c> is forwarded so ML.NET can parallelise. Works in <c>PredictionEngine</c> through
/// <see cref="GetRowToRowMapper"/>, and saves through <see cref="SaveModel"/> with a versioned format
/// (ML.NET's own bases are internal, see docs/design.md, "ML.NET integration").
/// </summary>
internal abstract class AppendColumnsTransformer : ITransformer
{
    /// <param name="env">The environment (an <see cref="MLContext"/> is one) used for logging.</param>
    /// <param name="name">Registration name of the stage's host (appears in log lines).</param>
    private protected AppendColumnsTransformer(IHostEnvironment env, string name)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Host = env.Register(name);
    }

    /// <summary>
    /// The stage's name: its host's registration name, and the stage that progress reports and errors name. A public type
    /// that wraps the stage passes its own name, so users see the type they hold.
    /// </summary>
    internal string Name { get; }

    /// <summary>The stage's host: logging channels and a seeded random source.</summary>
    private protected IHost Host { get; }

    /// <summary>The appended columns, in output order.</summary>
    internal abstract IReadOnlyList<StageColumn> OutputColumns { get; }

    /// <summary>Receives the cumulative number of rows computed by each data view this transformer produced; optional.</summary>
    public IProgress<StageProgress>? Progress { get; set; }

    /// <summary>The format <see cref="SaveModel"/> writes (usually the stage's <see cref="ILoadableStage{TSelf}.FormatVersion"/>).</summary>
    private protected abstract StageVersionInfo FormatVersion { get; }

    /// <summary>
    /// Validates <paramref name="inputSchema"/> (throwing <see cref="ArgumentOutOfRangeException"/> like ML.NET for a
    /// missing or mistyped column) and returns the computation bound to it.
    /// </summary>
    private protected abstract StageMapping Bind(DataViewSchema inputSchema);

    /// <summary>Writes the stage's options (and extra streams) after the header and format version.</summary>
    private protected abstract void SaveModel(StageSaveContext context);

    /// <inheritdoc/>
    public bool IsRowToRowMapper => true;

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => CreateBinding(inputSchema).OutputSchema;

    /// <inheritdoc/>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new AppendColumnsDataView(CreateBinding(input.Schema), input, Progress);
    }

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new AppendColumnsRowMapper(CreateBinding(inputSchema));

    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        SaveModel(StageSaveContext.Begin(ctx, FormatVersion, GetType()));
    }

    private StageBinding CreateBinding(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new StageBinding(this, inputSchema, Bind(inputSchema));
    }
}

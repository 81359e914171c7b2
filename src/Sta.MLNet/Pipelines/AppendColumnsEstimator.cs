using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace Sta.MLNet;

/// <summary>
/// Base of Sta.MLNet's estimators whose transformer appends columns. <see cref="GetOutputSchema"/> validates the input
/// shape with <see cref="CheckInputShape"/> and appends <see cref="OutputColumns"/> (as <see cref="SchemaShape.Column"/>s
/// obtained through <see cref="StageSchema.ToShapeColumn"/>), so <c>EstimatorChain</c> can check a pipeline before fitting.
/// </summary>
internal abstract class AppendColumnsEstimator<TTransformer> : IEstimator<TTransformer> where TTransformer : AppendColumnsTransformer
{
    /// <param name="env">The environment (an <see cref="MLContext"/> is one).</param>
    /// <param name="name">Registration name of the estimator's host (appears in log lines).</param>
    private protected AppendColumnsEstimator(IHostEnvironment env, string name)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentException.ThrowIfNullOrEmpty(name);
        Host = env.Register(name);
    }

    /// <summary>The estimator's host: logging channels and a seeded random source.</summary>
    private protected IHost Host { get; }

    /// <summary>The columns the fitted transformer appends (same names and types as its <see cref="AppendColumnsTransformer.OutputColumns"/>).</summary>
    internal abstract IReadOnlyList<StageColumn> OutputColumns { get; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> (see <see cref="StageSchema.RequireShapeColumn"/>) for an unusable input.</summary>
    private protected abstract void CheckInputShape(SchemaShape inputSchema);

    /// <inheritdoc/>
    public abstract TTransformer Fit(IDataView input);

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        CheckInputShape(inputSchema);
        return StageSchema.Append(inputSchema, OutputColumns);
    }
}

/// <summary>
/// An estimator with nothing to learn: <see cref="Fit"/> only checks the input schema and returns the transformer
/// (the role of ML.NET's internal <c>TrivialEstimator</c>).
/// </summary>
internal abstract class TrivialAppendColumnsEstimator<TTransformer> : AppendColumnsEstimator<TTransformer>
    where TTransformer : AppendColumnsTransformer
{
    /// <param name="env">The environment.</param>
    /// <param name="name">Registration name of the estimator's host.</param>
    /// <param name="transformer">The transformer every <see cref="Fit"/> returns.</param>
    private protected TrivialAppendColumnsEstimator(IHostEnvironment env, string name, TTransformer transformer) : base(env, name) =>
        Transformer = transformer ?? throw new ArgumentNullException(nameof(transformer));

    /// <summary>The transformer every <see cref="Fit"/> returns.</summary>
    private protected TTransformer Transformer { get; }

    /// <inheritdoc/>
    internal override IReadOnlyList<StageColumn> OutputColumns => Transformer.OutputColumns;

    /// <inheritdoc/>
    public override TTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Transformer.GetOutputSchema(input.Schema);
        return Transformer;
    }
}

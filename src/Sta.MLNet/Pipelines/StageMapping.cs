using Microsoft.ML;

namespace Sta.MLNet;

/// <summary>Reads the value of one appended column for batch slot <paramref name="slot"/>.</summary>
internal delegate void SlotValueGetter<T>(int slot, ref T value);

/// <summary>
/// A stage bound to one input schema: which input columns it reads and how it computes its appended columns.
/// Created by <see cref="AppendColumnsTransformer.Bind"/>, which validates the schema.
/// </summary>
internal abstract class StageMapping
{
    /// <param name="inputSchema">The schema this mapping was bound to.</param>
    private protected StageMapping(DataViewSchema inputSchema) => InputSchema = inputSchema ?? throw new ArgumentNullException(nameof(inputSchema));

    /// <summary>The schema this mapping was bound to.</summary>
    public DataViewSchema InputSchema { get; }

    /// <summary>The input columns the computation reads (activated on the input cursor when an appended column is active).</summary>
    public abstract IReadOnlyList<DataViewSchema.Column> InputColumns { get; }

    /// <summary>
    /// How many rows a cursor over the data collects before calling <see cref="StageWorker.Compute"/> (1 = row by row,
    /// the default). Larger batches make the cursor read ahead and buffer the active input columns of that many rows.
    /// Rows served one at a time (<c>GetRowToRowMapper</c>, PredictionEngine) always compute with a capacity of 1.
    /// </summary>
    public virtual int BatchSize => 1;

    /// <summary>
    /// Whether a batching cursor may read the next batch of input rows on a background thread while the current batch is
    /// computed (default false). Worth it when upstream work (decoding, face alignment) and <see cref="StageWorker.Compute"/>
    /// (a network) are both heavy: they then overlap. The cursor creates two workers; <see cref="StageWorker.Load"/> of
    /// one runs on the background thread while <see cref="StageWorker.Compute"/> of the other runs on the cursor's
    /// thread, so workers must not share mutable state. Rows, values and their order are unchanged.
    /// </summary>
    public virtual bool ReadsAhead => false;

    /// <summary>
    /// Creates the per-cursor state (buffers, getters on <paramref name="input"/>). A worker is used by one thread at a
    /// time (see <see cref="ReadsAhead"/>).
    /// </summary>
    /// <param name="input">The input row or cursor the worker reads from (its <see cref="InputColumns"/> are active).</param>
    /// <param name="activeOutputs">Which appended columns (in <see cref="AppendColumnsTransformer.OutputColumns"/> order) are read.</param>
    /// <param name="capacity">Number of slots: rows per <see cref="StageWorker.Compute"/> call at most.</param>
    public abstract StageWorker CreateWorker(DataViewRow input, IReadOnlyList<bool> activeOutputs, int capacity);
}

/// <summary>
/// The per-cursor computation of a stage. For each row the cursor calls <see cref="Load"/> while the input is positioned
/// on it, then <see cref="Compute"/> once for the loaded slots when an appended value is first read, then reads values
/// through <see cref="GetSlotGetter"/>.
/// </summary>
internal abstract class StageWorker : IDisposable
{
    /// <summary>Copies what the computation needs from the current input row into <paramref name="slot"/>.</summary>
    public abstract void Load(int slot);

    /// <summary>Computes the appended columns of slots 0 .. <paramref name="count"/> - 1.</summary>
    public abstract void Compute(int count);

    /// <summary>
    /// A <see cref="SlotValueGetter{T}"/> for appended column <paramref name="outputIndex"/>, with T the column type's raw
    /// type (float, bool, int, long, <c>ReadOnlyMemory&lt;char&gt;</c>, <c>VBuffer&lt;float&gt;</c>). Called once per cursor.
    /// </summary>
    public abstract Delegate GetSlotGetter(int outputIndex);

    /// <summary>Releases buffers (e.g. tensors).</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Override to release resources.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}

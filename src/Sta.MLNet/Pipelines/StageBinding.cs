using Microsoft.ML;

namespace Sta.MLNet;

/// <summary>A transformer bound to an input schema: the output schema and the mapping of output to input columns.</summary>
internal sealed class StageBinding
{
    public StageBinding(AppendColumnsTransformer stage, DataViewSchema inputSchema, StageMapping mapping)
    {
        Stage = stage;
        InputSchema = inputSchema;
        Mapping = mapping;
        Outputs = stage.OutputColumns;
        foreach (var column in Outputs) column.Validate();
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        foreach (var column in Outputs) builder.AddColumn(column.Name, column.Type);
        OutputSchema = builder.ToSchema();
    }

    public AppendColumnsTransformer Stage { get; }
    public DataViewSchema InputSchema { get; }
    public DataViewSchema OutputSchema { get; }
    public StageMapping Mapping { get; }
    public IReadOnlyList<StageColumn> Outputs { get; }

    /// <summary>Output columns 0 .. input count - 1 are the input columns; the rest are appended, in order.</summary>
    public bool IsAppended(int outputIndex, out int appendedIndex)
    {
        appendedIndex = outputIndex - InputSchema.Count;
        return appendedIndex >= 0;
    }

    /// <summary>Which output columns are active, and which input columns that needs.</summary>
    public (bool[] ActiveOutputs, bool[] ActiveAppended, List<DataViewSchema.Column> InputColumns) Activate(IEnumerable<DataViewSchema.Column> outputColumns)
    {
        var active = new bool[OutputSchema.Count];
        foreach (var column in outputColumns)
        {
            if (column.Index < 0 || column.Index >= active.Length || OutputSchema[column.Index].Name != column.Name)
                throw new ArgumentOutOfRangeException(nameof(outputColumns), $"Column '{column.Name}' (index {column.Index}) is not in this stage's output schema.");
            active[column.Index] = true;
        }
        var appended = active.Skip(InputSchema.Count).ToArray();
        var inputs = new HashSet<int>();
        for (int i = 0; i < InputSchema.Count; i++)
            if (active[i]) inputs.Add(i);
        if (appended.Any(a => a))
            foreach (var column in Mapping.InputColumns) inputs.Add(column.Index);
        return (active, appended, inputs.Order().Select(i => InputSchema[i]).ToList());
    }
}

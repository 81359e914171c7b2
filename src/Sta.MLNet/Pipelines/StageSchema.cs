using System.Collections.Concurrent;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Sta.MLNet;

/// <summary>
/// Schema checks with the exceptions ML.NET's own stages throw: a missing or mistyped input column is an
/// <see cref="ArgumentOutOfRangeException"/> for parameter <c>inputSchema</c> ("Could not find input column 'X'",
/// "Schema mismatch for input column 'X': expected ..., got ..."). Also converts <see cref="StageColumn"/>s to
/// <see cref="SchemaShape.Column"/>s, which have no public constructor.
/// </summary>
internal static class StageSchema
{
    private static readonly MLContext ShapeProbeContext = new(seed: 0);
    private static readonly ConcurrentDictionary<(string Name, DataViewType Type), SchemaShape.Column> ShapeCache = new();

    /// <summary>Finds <paramref name="name"/> in a fitted schema and checks its type with <paramref name="accepts"/>.</summary>
    /// <param name="inputSchema">The schema to search.</param>
    /// <param name="name">Column name.</param>
    /// <param name="accepts">Whether the column's type is usable.</param>
    /// <param name="expected">What the column should be, for the message (e.g. "Vector&lt;Byte, 1204224&gt;").</param>
    /// <returns>The (last, visible) column of that name.</returns>
    public static DataViewSchema.Column RequireColumn(DataViewSchema inputSchema, string name, Func<DataViewType, bool> accepts, string expected)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var column = inputSchema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Could not find input column '{name}'.");
        if (!accepts(column.Type))
            throw Mismatch(name, expected, Describe(column.Type));
        return column;
    }

    /// <summary>Finds <paramref name="name"/> and requires exactly <paramref name="type"/> (vector dimensions included).</summary>
    public static DataViewSchema.Column RequireColumn(DataViewSchema inputSchema, string name, DataViewType type) =>
        RequireColumn(inputSchema, name, t => t.Equals(type), Describe(type));

    /// <summary>Requires a fixed-size vector of <paramref name="itemType"/> with <paramref name="size"/> elements (any dimensions).</summary>
    public static DataViewSchema.Column RequireVector(DataViewSchema inputSchema, string name, DataViewType itemType, int size) =>
        RequireColumn(inputSchema, name,
            t => t is VectorDataViewType v && v.ItemType.Equals(itemType) && v.Size == size,
            $"Vector<{itemType}, {size}> (any dimensions with {size} elements)");

    /// <summary>Checks a column of an estimator's input <see cref="SchemaShape"/> (no vector sizes at this level).</summary>
    public static SchemaShape.Column RequireShapeColumn(SchemaShape inputSchema, string name, DataViewType itemType, SchemaShape.Column.VectorKind kind)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        if (!TryFind(inputSchema, name, out var column))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Could not find input column '{name}'.");
        if (!column.ItemType.Equals(itemType) || column.Kind != kind)
            throw Mismatch(name, DescribeShape(kind, itemType), DescribeShape(column.Kind, column.ItemType));
        return column;
    }

    /// <summary>
    /// The <see cref="SchemaShape.Column"/> of <paramref name="column"/>, obtained from a throwaway CustomMapping estimator
    /// whose output schema definition has that column (the only public way to make one).
    /// </summary>
    public static SchemaShape.Column ToShapeColumn(StageColumn column)
    {
        ArgumentNullException.ThrowIfNull(column);
        column.Validate();
        return ShapeCache.GetOrAdd((column.Name, column.Type), key => key.Type switch
        {
            VectorDataViewType => Probe<VBuffer<float>>(key.Name, key.Type),
            BooleanDataViewType => Probe<bool>(key.Name, key.Type),
            TextDataViewType => Probe<ReadOnlyMemory<char>>(key.Name, key.Type),
            NumberDataViewType n when n.RawType == typeof(int) => Probe<int>(key.Name, key.Type),
            NumberDataViewType n when n.RawType == typeof(long) => Probe<long>(key.Name, key.Type),
            _ => Probe<float>(key.Name, key.Type),
        });
    }

    /// <summary>
    /// The estimator-level output shape: <paramref name="inputSchema"/> with <paramref name="outputs"/> appended
    /// (replacing same-named columns).
    /// </summary>
    public static SchemaShape Append(SchemaShape inputSchema, IEnumerable<StageColumn> outputs)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var columns = inputSchema.ToDictionary(c => c.Name);
        var order = inputSchema.Select(c => c.Name).ToList();
        foreach (var output in outputs)
        {
            if (!columns.ContainsKey(output.Name)) order.Add(output.Name);
            columns[output.Name] = ToShapeColumn(output);
        }
        return new SchemaShape(order.Select(n => columns[n]));
    }

    private static SchemaShape.Column Probe<T>(string name, DataViewType type)
    {
        var output = SchemaDefinition.Create(typeof(ProbeRow<T>));
        output[0].ColumnName = name;
        output[0].ColumnType = type;
        var estimator = ShapeProbeContext.Transforms.CustomMapping<ProbeInput, ProbeRow<T>>(
            static (_, _) => { }, contractName: null, inputSchemaDefinition: null, outputSchemaDefinition: output);
        var shape = estimator.GetOutputSchema(new SchemaShape([]));
        return TryFind(shape, name, out var column)
            ? column
            : throw new InvalidOperationException($"CustomMapping did not produce probe column '{name}'.");
    }

    /// <summary>Finds a column of a <see cref="SchemaShape"/> by name (SchemaShape's own lookup is internal).</summary>
    public static bool TryFind(SchemaShape shape, string name, out SchemaShape.Column column)
    {
        ArgumentNullException.ThrowIfNull(shape);
        foreach (var candidate in shape)
        {
            if (candidate.Name == name)
            {
                column = candidate;
                return true;
            }
        }
        column = default;
        return false;
    }

    private static ArgumentOutOfRangeException Mismatch(string name, string expected, string actual) =>
        new("inputSchema", $"Schema mismatch for input column '{name}': expected {expected}, got {actual}.");

    private static string Describe(DataViewType type) => type is VectorDataViewType v
        ? $"Vector<{v.ItemType}, {string.Join(", ", v.Dimensions)}>"
        : type.ToString() ?? type.GetType().Name;

    private static string DescribeShape(SchemaShape.Column.VectorKind kind, DataViewType itemType) => kind switch
    {
        SchemaShape.Column.VectorKind.Scalar => itemType.ToString() ?? itemType.GetType().Name,
        SchemaShape.Column.VectorKind.Vector => $"Vector<{itemType}>",
        _ => $"VarVector<{itemType}>",
    };

    /// <summary>Row types of the shape probe: no input columns, one output column renamed and retyped per use.</summary>
    private sealed class ProbeInput;

    private sealed class ProbeRow<T>
    {
#pragma warning disable CS0649 // written by ML.NET through the schema definition
        public T Value = default!;
#pragma warning restore CS0649
    }
}

using Microsoft.ML.Data;

namespace Sta.MLNet;

/// <summary>A column that a stage appends to its input: name and exact ML.NET type (vector dimensions included).</summary>
/// <param name="Name">Output column name; an input column of the same name is hidden, as in ML.NET.</param>
/// <param name="Type">
/// One of the types the stage base supports: <see cref="NumberDataViewType.Single"/>, <see cref="BooleanDataViewType"/>,
/// <see cref="NumberDataViewType.Int32"/>, <see cref="NumberDataViewType.Int64"/>, <see cref="TextDataViewType"/>, or a
/// fixed-size <see cref="VectorDataViewType"/> of Single.
/// </param>
internal sealed record StageColumn(string Name, DataViewType Type)
{
    /// <summary>A scalar float32 column (scores, probabilities).</summary>
    public static StageColumn Single(string name) => new(name, NumberDataViewType.Single);

    /// <summary>A Boolean column (predicted labels).</summary>
    public static StageColumn Boolean(string name) => new(name, BooleanDataViewType.Instance);

    /// <summary>An Int32 column.</summary>
    public static StageColumn Int32(string name) => new(name, NumberDataViewType.Int32);

    /// <summary>An Int64 column.</summary>
    public static StageColumn Int64(string name) => new(name, NumberDataViewType.Int64);

    /// <summary>A text column (<c>ReadOnlyMemory&lt;char&gt;</c> values).</summary>
    public static StageColumn Text(string name) => new(name, TextDataViewType.Instance);

    /// <summary>
    /// A dense float32 tensor column with fixed <paramref name="dimensions"/> (C order, e.g. [T, 3, H, W]); every
    /// dimension must be positive.
    /// </summary>
    public static StageColumn SingleVector(string name, params int[] dimensions)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        if (dimensions.Length == 0 || dimensions.Any(d => d <= 0))
            throw new ArgumentOutOfRangeException(nameof(dimensions),
                $"Vector column '{name}' needs at least one dimension, all positive; got [{string.Join(", ", dimensions)}].");
        return new StageColumn(name, new VectorDataViewType(NumberDataViewType.Single, dimensions));
    }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name))
            throw new ArgumentException("A stage output column needs a non-empty name.");
        var supported = Type is NumberDataViewType { RawType: var raw } && (raw == typeof(float) || raw == typeof(int) || raw == typeof(long))
            || Type is BooleanDataViewType or TextDataViewType
            || Type is VectorDataViewType { IsKnownSize: true, ItemType: var item } && item == NumberDataViewType.Single;
        if (!supported)
            throw new NotSupportedException(
                $"Output column '{Name}' has type {Type}; stages support Single, Boolean, Int32, Int64, Text and fixed-size Single vectors.");
    }
}

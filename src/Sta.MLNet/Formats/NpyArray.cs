namespace Sta.MLNet;

/// <summary>
/// An n-dimensional array read from or written to a NumPy .npy file. <see cref="Values"/> holds the elements in
/// C (row-major) order as doubles, which represent int32, float32 and float64 exactly and int64 exactly up to 2^53.
/// </summary>
internal sealed class NpyArray
{
    public NpyArray(NpyElementType elementType, IReadOnlyList<int> shape, double[] values)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(values);
        long count = 1;
        foreach (var dimension in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(dimension, nameof(shape));
            count *= dimension;
        }
        if (count != values.Length)
            throw new ArgumentException($"Shape ({string.Join(", ", shape)}) holds {count} elements but {values.Length} values were given.", nameof(values));
        ElementType = elementType;
        Shape = [.. shape];
        Values = values;
    }

    public NpyElementType ElementType { get; }

    /// <summary>Dimensions, outermost first; empty for a 0-d (scalar) array.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>Elements in C order.</summary>
    public double[] Values { get; }

    /// <summary>Element at a 2-d position (row, column).</summary>
    public double this[int row, int column]
    {
        get
        {
            if (Shape.Count != 2)
                throw new InvalidOperationException($"The array has {Shape.Count} dimensions, not 2.");
            if ((uint)row >= (uint)Shape[0] || (uint)column >= (uint)Shape[1])
                throw new IndexOutOfRangeException($"({row}, {column}) is outside the {Shape[0]}x{Shape[1]} array.");
            return Values[row * Shape[1] + column];
        }
    }
}

using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Sta.MLNet;

/// <summary>
/// Holds one input column's values for the rows of a batch, so that a cursor that reads ahead can still serve
/// pass-through columns of the row it is on.
/// </summary>
internal abstract class RowValueBuffer
{
    public abstract void Store(int slot);

    public abstract Delegate CreateGetter(Func<int> slot);

    public static RowValueBuffer Create(DataViewRow input, DataViewSchema.Column column, int capacity)
    {
        var raw = column.Type.RawType;
        var type = raw.IsGenericType && raw.GetGenericTypeDefinition() == typeof(VBuffer<>)
            ? typeof(VectorValueBuffer<>).MakeGenericType(raw.GetGenericArguments()[0])
            : typeof(PlainValueBuffer<>).MakeGenericType(raw);
        try
        {
            return (RowValueBuffer)Activator.CreateInstance(type, input, column, capacity)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }
}

/// <summary>Scalars and immutable values (numbers, Boolean, text, row ids): copied by assignment.</summary>
internal sealed class PlainValueBuffer<T> : RowValueBuffer
{
    private readonly ValueGetter<T> _getter;
    private readonly T[] _values;

    public PlainValueBuffer(DataViewRow input, DataViewSchema.Column column, int capacity)
    {
        _getter = input.GetGetter<T>(column);
        _values = new T[capacity];
    }

    public override void Store(int slot) => _getter(ref _values[slot]);

    public override Delegate CreateGetter(Func<int> slot) => (ValueGetter<T>)((ref T value) => value = _values[slot()]);
}

/// <summary>Vectors: each slot owns its buffer and readers get a copy, so no caller can alias a slot that is refilled.</summary>
internal sealed class VectorValueBuffer<T> : RowValueBuffer
{
    private readonly ValueGetter<VBuffer<T>> _getter;
    private readonly VBuffer<T>[] _values;

    public VectorValueBuffer(DataViewRow input, DataViewSchema.Column column, int capacity)
    {
        _getter = input.GetGetter<VBuffer<T>>(column);
        _values = new VBuffer<T>[capacity];
    }

    public override void Store(int slot) => _getter(ref _values[slot]);

    public override Delegate CreateGetter(Func<int> slot) =>
        (ValueGetter<VBuffer<T>>)((ref VBuffer<T> value) => _values[slot()].CopyTo(ref value));
}

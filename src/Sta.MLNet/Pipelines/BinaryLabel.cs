using Microsoft.ML;
using Microsoft.ML.Data;

namespace Sta.MLNet;

/// <summary>
/// Reads a binary label column as "is fake". Boolean labels are taken as they are; numeric labels (Single, Double,
/// Int32, Int64) follow ML.NET's convention for binary classification — positive (&gt; 0) is the positive class — so
/// 0/1 and -1/+1 encodings both work. A NaN label is an error, never silently one of the classes.
/// </summary>
internal static class BinaryLabel
{
    /// <summary>Whether a column of this type can be read as a binary label.</summary>
    public static bool IsSupported(DataViewType type) =>
        type is BooleanDataViewType ||
        type is NumberDataViewType n && (n.RawType == typeof(float) || n.RawType == typeof(double) || n.RawType == typeof(int) || n.RawType == typeof(long));

    /// <summary>A reader of the current row's label (true = fake) of <paramref name="column"/> on <paramref name="row"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The column's type is not a supported label type.</exception>
    public static Func<bool> CreateReader(DataViewRow row, DataViewSchema.Column column)
    {
        switch (column.Type)
        {
            case BooleanDataViewType:
            {
                var get = row.GetGetter<bool>(column);
                return () => { bool v = false; get(ref v); return v; };
            }
            case NumberDataViewType n when n.RawType == typeof(float):
            {
                var get = row.GetGetter<float>(column);
                return () => { float v = 0; get(ref v); return float.IsNaN(v) ? throw NaN(column) : v > 0; };
            }
            case NumberDataViewType n when n.RawType == typeof(double):
            {
                var get = row.GetGetter<double>(column);
                return () => { double v = 0; get(ref v); return double.IsNaN(v) ? throw NaN(column) : v > 0; };
            }
            case NumberDataViewType n when n.RawType == typeof(int):
            {
                var get = row.GetGetter<int>(column);
                return () => { int v = 0; get(ref v); return v > 0; };
            }
            case NumberDataViewType n when n.RawType == typeof(long):
            {
                var get = row.GetGetter<long>(column);
                return () => { long v = 0; get(ref v); return v > 0; };
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(column),
                    $"Label column '{column.Name}' must be Boolean, Single, Double, Int32 or Int64; got {column.Type}.");
        }
    }

    private static InvalidDataException NaN(DataViewSchema.Column column) => new($"Label column '{column.Name}' has a NaN value.");
}

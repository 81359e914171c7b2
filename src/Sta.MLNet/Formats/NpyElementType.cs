namespace Sta.MLNet;

/// <summary>Element types <see cref="NpyFile"/> reads and writes (NumPy dtypes int32, int64, float32, float64).</summary>
internal enum NpyElementType
{
    Int32,
    Int64,
    Float32,
    Float64,
}

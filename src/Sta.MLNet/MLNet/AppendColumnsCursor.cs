using Microsoft.ML.Data;
using Microsoft.ML;

namespace Sta.MLNet.MLNet;

/// <summary>
/// Cursor over an <see cref="AppendColumnsTransformer"/>'s output. Row by row (batch size 1 or no appended column
/// active) it is a thin wrapper: pass-through getters are the input's, appended values are computed for the current
/// row on first read. With a larger batch it reads that many input rows ahead, buffers their active input columns,
/// and computes the appended columns of the whole batch on the first read of an appended value.
/// </summary>
internal sealed class AppendColumnsCursor : DataViewRowCursor
{
    private readonly StageBinding _binding;
    private readonly DataViewRowCursor _input;
    private readonly bool[] _active;
    private readonly StageWorker? _worker;
    private readonly Action<int> _onComputed;
    private readonly bool _batching;
    private readonly int _capacity;

    // Batching state.
    private readonly RowValueBuffer?[] _buffers = [];
    private readonly ValueGetter<DataViewRowId>? _inputIdGetter;
    private readonly DataViewRowId[] _ids = [];
    private readonly long[] _batches = [];
    private int _count;
    private int _slot = -1;
    private long _position = -1;

    // Shared state: whether the appended columns of the current row (or batch) are computed.
    private bool _computed;
    private bool _disposed;

    public AppendColumnsCursor(StageBinding binding, DataViewRowCursor input, bool[] active, bool[] activeAppended, Action<int> onComputed)
    {
        _binding = binding;
        _input = input;
        _active = active;
        _onComputed = onComputed;
        var anyAppended = activeAppended.Any(a => a);
        _batching = anyAppended && binding.Mapping.BatchSize > 1;
        _capacity = _batching ? binding.Mapping.BatchSize : 1;
        if (anyAppended)
            _worker = binding.Mapping.CreateWorker(input, activeAppended, _capacity);
        if (_batching)
        {
            _buffers = new RowValueBuffer?[binding.InputSchema.Count];
            for (int i = 0; i < _buffers.Length; i++)
                if (active[i]) _buffers[i] = RowValueBuffer.Create(input, input.Schema[i], _capacity);
            _inputIdGetter = input.GetIdGetter();
            _ids = new DataViewRowId[_capacity];
            _batches = new long[_capacity];
        }
    }

    public override DataViewSchema Schema => _binding.OutputSchema;

    public override long Position => _batching ? _position : _input.Position;

    public override long Batch => _batching ? (_slot >= 0 ? _batches[_slot] : 0) : _input.Batch;

    public override bool IsColumnActive(DataViewSchema.Column column) =>
        column.Index >= 0 && column.Index < _active.Length && _active[column.Index];

    public override bool MoveNext()
    {
        if (_disposed) return false;
        if (!_batching)
        {
            _computed = false;
            return _input.MoveNext();
        }
        if (_slot + 1 < _count)
        {
            _slot++;
            _position++;
            return true;
        }
        _count = 0;
        _slot = -1;
        _computed = false;
        while (_count < _capacity && _input.MoveNext())
        {
            foreach (var buffer in _buffers) buffer?.Store(_count);
            _inputIdGetter!(ref _ids[_count]);
            _batches[_count] = _input.Batch;
            _worker!.Load(_count);
            _count++;
        }
        if (_count == 0) return false;
        _slot = 0;
        _position++;
        return true;
    }

    public override ValueGetter<DataViewRowId> GetIdGetter()
    {
        if (!_batching) return _input.GetIdGetter();
        return (ref DataViewRowId value) =>
        {
            EnsureOnRow();
            value = _ids[_slot];
        };
    }

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        CheckColumn(column, typeof(TValue));
        if (_binding.IsAppended(column.Index, out var appended))
        {
            var slotGetter = _worker!.GetSlotGetter(appended) as SlotValueGetter<TValue>
                ?? throw new InvalidOperationException(
                    $"{_binding.Stage.GetType().Name} returned a getter of the wrong type for column '{column.Name}'.");
            return (ref TValue value) =>
            {
                EnsureComputed();
                slotGetter(_batching ? _slot : 0, ref value);
            };
        }
        if (!_batching) return _input.GetGetter<TValue>(_input.Schema[column.Index]);
        return (ValueGetter<TValue>)_buffers[column.Index]!.CreateGetter(() =>
        {
            EnsureOnRow();
            return _slot;
        });
    }

    private void CheckColumn(DataViewSchema.Column column, Type requested)
    {
        if (!IsColumnActive(column))
            throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor.");
        var expected = Schema[column.Index].Type.RawType;
        if (requested != expected)
            throw new InvalidOperationException(
                $"Invalid TValue in GetGetter for column '{column.Name}': expected {expected.Name}, got {requested.Name}.");
    }

    private void EnsureOnRow()
    {
        if (_slot < 0 || _disposed) throw new InvalidOperationException("The cursor is not on a row.");
    }

    private void EnsureComputed()
    {
        if (_computed) return;
        if (_batching)
        {
            EnsureOnRow();
            _worker!.Compute(_count);
            _onComputed(_count);
        }
        else
        {
            if (_input.Position < 0 || _disposed) throw new InvalidOperationException("The cursor is not on a row.");
            _worker!.Load(0);
            _worker.Compute(1);
            _onComputed(1);
        }
        _computed = true;
    }

    protected override void Dispose(bool disposing)
    {
        if (_disposed) return;
        if (disposing)
        {
            _worker?.Dispose();
            _input.Dispose();
        }
        _disposed = true;
        base.Dispose(disposing);
    }
}

using Microsoft.ML.Data;
using Microsoft.ML;

namespace Sta.MLNet;

/// <summary>
/// Cursor over an <see cref="AppendColumnsTransformer"/>'s output. Row by row (batch size 1 or no appended column
/// active) it is a thin wrapper: pass-through getters are the input's, appended values are computed for the current
/// row on first read. With a larger batch it reads that many input rows ahead, buffers their active input columns,
/// and computes the appended columns of the whole batch on the first read of an appended value. When the mapping
/// <see cref="StageMapping.ReadsAhead"/>, a background task fills a second set of buffers with the next batch while
/// the current one is computed and served.
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

    // Batching state: one set of batch slots, two when reading ahead (_current is the one being served).
    private readonly BatchSlots[] _sets = [];
    private readonly bool _readAhead;
    private int _current;
    private Task<int>? _nextFill;
    private bool _inputExhausted;
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
        if (_batching)
        {
            _readAhead = binding.Mapping.ReadsAhead;
            _sets = new BatchSlots[_readAhead ? 2 : 1];
            for (int i = 0; i < _sets.Length; i++)
                _sets[i] = new BatchSlots(binding, input, active, activeAppended, _capacity);
        }
        else if (anyAppended)
        {
            _worker = binding.Mapping.CreateWorker(input, activeAppended, _capacity);
        }
    }

    public override DataViewSchema Schema => _binding.OutputSchema;

    public override long Position => _batching ? _position : _input.Position;

    public override long Batch => _batching ? (_slot >= 0 ? _sets[_current].Batches[_slot] : 0) : _input.Batch;

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
        _slot = -1;
        _computed = false;
        _count = NextBatch();
        if (_count == 0) return false;
        _slot = 0;
        _position++;
        return true;
    }

    /// <summary>Makes the next batch current and, when reading ahead, starts filling the other set; returns its rows.</summary>
    private int NextBatch()
    {
        int count;
        if (_nextFill is { } fill)
        {
            _nextFill = null;
            count = fill.GetAwaiter().GetResult(); // rethrows the upstream's exception here, on the consumer's thread
            _current = 1 - _current;
        }
        else if (_inputExhausted)
        {
            return 0;
        }
        else
        {
            count = _sets[_current].Fill(_input);
        }
        _inputExhausted = count < _capacity;
        if (_readAhead && !_inputExhausted)
        {
            var next = _sets[1 - _current];
            _nextFill = Task.Run(() => next.Fill(_input));
        }
        return count;
    }

    public override ValueGetter<DataViewRowId> GetIdGetter()
    {
        if (!_batching) return _input.GetIdGetter();
        return (ref DataViewRowId value) =>
        {
            EnsureOnRow();
            value = _sets[_current].Ids[_slot];
        };
    }

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        CheckColumn(column, typeof(TValue));
        if (_binding.IsAppended(column.Index, out var appended))
        {
            var workers = _batching ? _sets.Select(s => s.Worker).ToArray() : [_worker!];
            var slotGetters = workers.Select(w => w.GetSlotGetter(appended) as SlotValueGetter<TValue>
                ?? throw new InvalidOperationException(
                    $"{_binding.Stage.Name} returned a getter of the wrong type for column '{column.Name}'.")).ToArray();
            return (ref TValue value) =>
            {
                EnsureComputed();
                if (_batching) slotGetters[_current](_slot, ref value);
                else slotGetters[0](0, ref value);
            };
        }
        if (!_batching) return _input.GetGetter<TValue>(_input.Schema[column.Index]);
        var getters = _sets.Select(s => (ValueGetter<TValue>)s.Buffers[column.Index]!.CreateGetter(() => _slot)).ToArray();
        return (ref TValue value) =>
        {
            EnsureOnRow();
            getters[_current](ref value);
        };
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
            _sets[_current].Worker.Compute(_count);
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
            // A batch being read ahead still uses the input: let it finish (its rows are dropped, its errors too).
            try
            {
                _nextFill?.Wait();
            }
            catch (AggregateException)
            {
            }
            _worker?.Dispose();
            foreach (var set in _sets) set.Worker.Dispose();
            _input.Dispose();
        }
        _disposed = true;
        base.Dispose(disposing);
    }

    /// <summary>One batch's input rows: buffered pass-through columns, row ids and batch ids, and the worker's slots.</summary>
    private sealed class BatchSlots
    {
        private readonly int _capacity;
        private readonly ValueGetter<DataViewRowId> _idGetter;

        public BatchSlots(StageBinding binding, DataViewRowCursor input, bool[] active, bool[] activeAppended, int capacity)
        {
            _capacity = capacity;
            Buffers = new RowValueBuffer?[binding.InputSchema.Count];
            for (int i = 0; i < Buffers.Length; i++)
                if (active[i]) Buffers[i] = RowValueBuffer.Create(input, input.Schema[i], capacity);
            _idGetter = input.GetIdGetter();
            Ids = new DataViewRowId[capacity];
            Batches = new long[capacity];
            Worker = binding.Mapping.CreateWorker(input, activeAppended, capacity);
        }

        public RowValueBuffer?[] Buffers { get; }

        public DataViewRowId[] Ids { get; }

        public long[] Batches { get; }

        public StageWorker Worker { get; }

        /// <summary>Reads up to a batch of rows from <paramref name="input"/>; fewer means the input ended.</summary>
        public int Fill(DataViewRowCursor input)
        {
            int count = 0;
            while (count < _capacity && input.MoveNext())
            {
                foreach (var buffer in Buffers) buffer?.Store(count);
                _idGetter(ref Ids[count]);
                Batches[count] = input.Batch;
                Worker.Load(count);
                count++;
            }
            return count;
        }
    }
}

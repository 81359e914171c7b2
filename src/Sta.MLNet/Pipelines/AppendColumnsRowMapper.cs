using Microsoft.ML.Data;
using Microsoft.ML;

namespace Sta.MLNet;

/// <summary>Row-at-a-time view of a stage, used by <c>PredictionEngine</c> and composed row mappers.</summary>
internal sealed class AppendColumnsRowMapper : IRowToRowMapper
{
    private readonly StageBinding _binding;

    public AppendColumnsRowMapper(StageBinding binding) => _binding = binding;

    public DataViewSchema InputSchema => _binding.InputSchema;

    public DataViewSchema OutputSchema => _binding.OutputSchema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
        _binding.Activate(dependingColumns).InputColumns;

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Schema != _binding.InputSchema)
            throw new ArgumentException("The row's schema is not the schema this mapper was created for.", nameof(input));
        var (active, appended, _) = _binding.Activate(activeColumns);
        return new AppendColumnsRow(_binding, input, active, appended);
    }

    /// <summary>One row: pass-through getters from the input row, appended values computed once per input position.</summary>
    private sealed class AppendColumnsRow : DataViewRow
    {
        private readonly StageBinding _binding;
        private readonly DataViewRow _input;
        private readonly bool[] _active;
        private readonly StageWorker? _worker;
        private long _computedPosition = long.MinValue;

        public AppendColumnsRow(StageBinding binding, DataViewRow input, bool[] active, bool[] appended)
        {
            _binding = binding;
            _input = input;
            _active = active;
            if (appended.Any(a => a))
                _worker = binding.Mapping.CreateWorker(input, appended, capacity: 1);
        }

        public override DataViewSchema Schema => _binding.OutputSchema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            column.Index >= 0 && column.Index < _active.Length && _active[column.Index];

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!IsColumnActive(column))
                throw new InvalidOperationException($"Column '{column.Name}' is not active in this row.");
            var expected = Schema[column.Index].Type.RawType;
            if (typeof(TValue) != expected)
                throw new InvalidOperationException(
                    $"Invalid TValue in GetGetter for column '{column.Name}': expected {expected.Name}, got {typeof(TValue).Name}.");
            if (!_binding.IsAppended(column.Index, out var appended))
                return _input.GetGetter<TValue>(_input.Schema[column.Index]);
            var slotGetter = (SlotValueGetter<TValue>)_worker!.GetSlotGetter(appended);
            return (ref TValue value) =>
            {
                if (_computedPosition != _input.Position)
                {
                    _worker.Load(0);
                    _worker.Compute(1);
                    _computedPosition = _input.Position;
                }
                slotGetter(0, ref value);
            };
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _worker?.Dispose();
            base.Dispose(disposing);
        }
    }
}

using Microsoft.ML;

namespace Sta.MLNet;

/// <summary>The lazy output of <see cref="AppendColumnsTransformer.Transform"/>.</summary>
internal sealed class AppendColumnsDataView : IDataView
{
    private readonly StageBinding _binding;
    private readonly IDataView _input;
    private readonly IProgress<StageProgress>? _progress;
    private long _rowsComputed;

    public AppendColumnsDataView(StageBinding binding, IDataView input, IProgress<StageProgress>? progress)
    {
        _binding = binding;
        _input = input;
        _progress = progress;
    }

    public bool CanShuffle => _input.CanShuffle;

    public DataViewSchema Schema => _binding.OutputSchema;

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var (active, appended, inputs) = _binding.Activate(columnsNeeded);
        return new AppendColumnsCursor(_binding, _input.GetRowCursor(inputs, rand), active, appended, OnComputed);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var (active, appended, inputs) = _binding.Activate(columnsNeeded);
        return _input.GetRowCursorSet(inputs, n, rand)
            .Select(cursor => (DataViewRowCursor)new AppendColumnsCursor(_binding, cursor, active, appended, OnComputed))
            .ToArray();
    }

    private void OnComputed(int rows)
    {
        var total = Interlocked.Add(ref _rowsComputed, rows);
        _progress?.Report(new StageProgress(_binding.Stage.Name, total));
    }
}

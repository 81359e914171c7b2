namespace Sta.MLNet;

/// <summary>Progress of a stage over one data view: rows whose appended columns have been computed so far.</summary>
/// <param name="Stage">The transformer's type name (e.g. <c>StaDetectionTransformer</c>).</param>
/// <param name="RowsComputed">Cumulative rows computed (all cursors of the data view together).</param>
internal readonly record struct StageProgress(string Stage, long RowsComputed);

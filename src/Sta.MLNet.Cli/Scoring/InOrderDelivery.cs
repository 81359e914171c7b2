namespace Sta.MLNet.Cli.Scoring;

/// <summary>
/// Hands results that finish in any order, on any thread, to a callback in input order: result i is delivered once
/// results 0..i are all known. Reports and CSV rows then come out in the order the videos were given, whatever the
/// front-end workers' timing.
/// </summary>
internal sealed class InOrderDelivery<T>(int count, Action<T> deliver) where T : class
{
    private readonly object _gate = new();
    private readonly T?[] _results = new T?[count];
    private int _next;

    /// <summary>Results delivered so far (a prefix of the input).</summary>
    public int Delivered
    {
        get
        {
            lock (_gate) return _next;
        }
    }

    /// <summary>Records result <paramref name="index"/> (the first one given for an index counts) and delivers what is ready.</summary>
    public void Finished(int index, T result)
    {
        lock (_gate)
        {
            _results[index] ??= result;
            while (_next < _results.Length && _results[_next] is { } ready)
            {
                _next++;
                deliver(ready);
            }
        }
    }
}

namespace Sta.MLNet.Tests.Training;

/// <summary>
/// A clock that moves only when a test calls <see cref="Advance"/>, and counts who read it: timing tests then assert
/// exact durations whatever the machine's load.
/// </summary>
internal sealed class ManualClock : TimeProvider
{
    /// <summary>How long a test waits for an expected read before calling it a deadlock (never reached when it passes).</summary>
    private static readonly TimeSpan DeadlockGuard = TimeSpan.FromMinutes(2);

    private readonly object _gate = new();
    private readonly Dictionary<int, int> _readsByThread = [];
    private long _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp()
    {
        lock (_gate)
        {
            int thread = Environment.CurrentManagedThreadId;
            _readsByThread[thread] = _readsByThread.GetValueOrDefault(thread) + 1;
            Monitor.PulseAll(_gate);
            return _ticks;
        }
    }

    public void Advance(TimeSpan duration)
    {
        lock (_gate) _ticks += duration.Ticks;
    }

    /// <summary>Reads so far by the thread with this managed id.</summary>
    public int ReadsBy(int threadId)
    {
        lock (_gate) return _readsByThread.GetValueOrDefault(threadId);
    }

    /// <summary>Reads so far by all threads.</summary>
    public int Reads
    {
        get
        {
            lock (_gate) return _readsByThread.Values.Sum();
        }
    }

    /// <summary>Blocks until <paramref name="condition"/> (evaluated under the clock's lock after each read) holds.</summary>
    public void WaitForRead(Func<ManualClock, bool> condition, string what)
    {
        lock (_gate)
        {
            while (!condition(this))
            {
                if (!Monitor.Wait(_gate, DeadlockGuard)) throw new TimeoutException($"The clock was never read as expected: {what}.");
            }
        }
    }
}

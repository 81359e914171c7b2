using System.Diagnostics;

namespace Sta.MLNet.Benchmarks;

/// <summary>Stopwatch helpers: warm-up, then timed repetitions on one thread or several.</summary>
public static class Measure
{
    /// <summary>Runs <paramref name="work"/> (argument: iteration index) <paramref name="warmup"/> times untimed, then
    /// <paramref name="rounds"/> rounds of <paramref name="iterations"/> / rounds timed iterations; returns the median
    /// round's seconds per iteration (robust to other processes on a shared machine) and the managed bytes allocated
    /// per iteration on the calling thread over all rounds.</summary>
    public static (double SecondsPerIteration, double BytesPerIteration) OnOneThread(int warmup, int iterations, Action<int> work, int rounds = 5)
    {
        for (var i = 0; i < warmup; i++) work(-1 - i);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var perRound = Math.Max(1, iterations / rounds);
        var roundSeconds = new double[rounds];
        var bytesBefore = GC.GetAllocatedBytesForCurrentThread();
        var index = 0;
        for (var r = 0; r < rounds; r++)
        {
            var stopwatch = Stopwatch.StartNew();
            for (var i = 0; i < perRound; i++) work(index++);
            roundSeconds[r] = stopwatch.Elapsed.TotalSeconds / perRound;
        }
        var bytes = GC.GetAllocatedBytesForCurrentThread() - bytesBefore;
        Array.Sort(roundSeconds);
        return (roundSeconds[rounds / 2], (double)bytes / index);
    }

    /// <summary>Runs <paramref name="iterationsPerThread"/> iterations on each of <paramref name="threads"/> dedicated
    /// threads, each with its own state from <paramref name="createWorker"/>, and returns iterations per second over
    /// the wall time of the slowest thread.</summary>
    public static double Throughput<TWorker>(int threads, int warmup, int iterationsPerThread, Func<int, TWorker> createWorker,
        Action<TWorker, int> work) where TWorker : IDisposable
    {
        var workers = Enumerable.Range(0, threads).Select(createWorker).ToArray();
        try
        {
            using var ready = new Barrier(threads + 1);
            var runners = workers.Select((worker, t) => new Thread(() =>
            {
                for (var i = 0; i < warmup; i++) work(worker, -1 - i);
                ready.SignalAndWait();
                for (var i = 0; i < iterationsPerThread; i++) work(worker, t * iterationsPerThread + i);
            }) { IsBackground = true }).ToArray();
            foreach (var runner in runners) runner.Start();
            ready.SignalAndWait();
            var stopwatch = Stopwatch.StartNew();
            foreach (var runner in runners) runner.Join();
            stopwatch.Stop();
            return threads * iterationsPerThread / stopwatch.Elapsed.TotalSeconds;
        }
        finally
        {
            foreach (var worker in workers) worker.Dispose();
        }
    }
}

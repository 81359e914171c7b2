using OpenCvSharp;

namespace Sta.MLNet.Benchmarks;

/// <summary>
/// OpenCV's process-wide thread pool as the CLI sets it for a number of front-end workers: off with several (each worker
/// on its own core, no nested parallelism), as the process found it with one. Disposing restores it.
/// </summary>
internal sealed class OpenCvThreadPool : IDisposable
{
    private readonly int _found = Cv2.GetNumThreads();

    /// <param name="workers">Front-end or decode workers about to run.</param>
    /// <param name="keepPool">Keep the pool on whatever the workers (to time what turning it off avoids).</param>
    public void UseFor(int workers, bool keepPool = false) => Cv2.SetNumThreads(workers > 1 && !keepPool ? 1 : _found);

    public void Dispose() => Cv2.SetNumThreads(_found);
}

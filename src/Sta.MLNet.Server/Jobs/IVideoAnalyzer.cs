namespace Sta.MLNet.Server.Jobs;

/// <summary>Turns one uploaded video into a job outcome; the seam tests replace to control timing.</summary>
internal interface IVideoAnalyzer
{
    /// <summary>
    /// Analyses the video at <paramref name="path"/>. A bad video is an outcome (not an exception); cancellation throws
    /// OperationCanceledException.
    /// </summary>
    /// <param name="jobId">Names the job in the URLs of the result's pictures.</param>
    /// <param name="path">The uploaded file.</param>
    /// <param name="displayName">The client's name for the file: shown in the result instead of the server's path.</param>
    JobOutcome Analyze(string jobId, string path, string displayName, IProgress<double> progress, CancellationToken cancellationToken);
}

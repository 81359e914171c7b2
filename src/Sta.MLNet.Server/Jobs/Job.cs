using System.Text.Json;

namespace Sta.MLNet.Server.Jobs;

/// <summary>Where a job is: waiting for a worker, being analysed, or finished one way or the other.</summary>
internal enum JobStatus
{
    Queued,
    Running,
    Done,
    Failed,
}

/// <summary>
/// One uploaded video and what became of it. Thread-safe: workers, request handlers and the sweeper all touch it. Every
/// change bumps a version and completes the task the last <see cref="Snapshot"/> returned, which is how event streams
/// wait without polling.
/// </summary>
internal sealed class Job
{
    private readonly object _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _uploadPath;
    private JobStatus _status = JobStatus.Queued;
    private double _progress;
    private long _version;
    private DateTimeOffset? _started;
    private DateTimeOffset? _finished;
    private JobOutcome? _outcome;
    private bool _removed;

    public Job(string id, string fileName, string uploadPath, DateTimeOffset created)
    {
        Id = id;
        FileName = fileName;
        _uploadPath = uploadPath;
        Created = created;
    }

    public string Id { get; }

    /// <summary>The name the client gave the file (shown back to it; never used as a path).</summary>
    public string FileName { get; }

    public DateTimeOffset Created { get; }

    /// <summary>Stops the analysis when the job is deleted or the server stops.</summary>
    public CancellationTokenSource Cancellation { get; } = new();

    public string? UploadPath
    {
        get
        {
            lock (_gate) return _uploadPath;
        }
    }

    public JobStatus Status
    {
        get
        {
            lock (_gate) return _status;
        }
    }

    public DateTimeOffset? Finished
    {
        get
        {
            lock (_gate) return _finished;
        }
    }

    public bool IsFinished => Status is JobStatus.Done or JobStatus.Failed;

    /// <summary>True once the job was deleted or expired: nothing it still reports is kept.</summary>
    public bool IsRemoved
    {
        get
        {
            lock (_gate) return _removed;
        }
    }

    /// <summary>A picture of the result (PNG), or null.</summary>
    public byte[]? Image(string name)
    {
        lock (_gate) return _outcome?.Images.GetValueOrDefault(name);
    }

    public void Start(DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_removed || _status != JobStatus.Queued) return;
            _status = JobStatus.Running;
            _started = now;
            Bump();
        }
    }

    /// <summary>Records progress within the run; small steps are not announced (each announcement wakes every event stream).</summary>
    public void ReportProgress(double progress)
    {
        lock (_gate)
        {
            if (_status != JobStatus.Running) return;
            progress = Math.Clamp(progress, 0, 1);
            if (progress < _progress + 0.01 && progress < 1) return;
            _progress = progress;
            Bump();
        }
    }

    public void Finish(JobOutcome outcome, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_removed) return;
            _outcome = outcome;
            _status = outcome.Succeeded ? JobStatus.Done : JobStatus.Failed;
            _progress = 1;
            _finished = now;
            Bump();
        }
    }

    /// <summary>Marks the job removed (deleted or expired) and cancels its analysis.</summary>
    public void Remove()
    {
        lock (_gate)
        {
            if (_removed) return;
            _removed = true;
            Bump();
        }
        Cancellation.Cancel();
    }

    /// <summary>Deletes the uploaded file (once; later calls do nothing). A file that cannot be deleted now is left to the folder's cleanup at shutdown.</summary>
    public void ReleaseUpload()
    {
        string? path;
        lock (_gate)
        {
            path = _uploadPath;
            _uploadPath = null;
        }
        if (path is null) return;
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The job's JSON, its version and a task that completes at the next change.</summary>
    public (byte[] Json, long Version, Task Changed, bool Final) Snapshot()
    {
        lock (_gate)
        {
            return (Serialize(), _version, _changed.Task, _removed || _status is JobStatus.Done or JobStatus.Failed);
        }
    }

    public byte[] ToJson()
    {
        lock (_gate) return Serialize();
    }

    private void Bump()
    {
        _version++;
        var previous = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }

    private byte[] Serialize()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("id", Id);
            w.WriteString("status", _removed ? "deleted" : _status.ToString().ToLowerInvariant());
            w.WriteNumber("progress", Math.Round(_progress, 4));
            w.WriteString("file_name", FileName);
            w.WriteString("created", Created);
            if (_started is { } started) w.WriteString("started", started);
            else w.WriteNull("started");
            if (_finished is { } finished) w.WriteString("finished", finished);
            else w.WriteNull("finished");
            if (_outcome?.Error is { } error)
            {
                w.WriteStartObject("error");
                w.WriteString("type", _outcome.ErrorType);
                w.WriteString("message", error);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("error");
            }
            w.WritePropertyName("result");
            if (_outcome?.ResultJson is { } result) w.WriteRawValue(result, skipInputValidation: true);
            else w.WriteNullValue();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }
}

/// <summary>What a finished analysis left: the result object (the sta.score/1 video object plus evidence) and its pictures.</summary>
/// <param name="Succeeded">The video was scored.</param>
/// <param name="ResultJson">The result object, or null when the analysis could not produce one.</param>
/// <param name="Error">Why the video has no score, in the words <c>sta score</c> uses; null on success.</param>
/// <param name="ErrorType">The kind of error (the library's exception type, or a name for the other cases).</param>
/// <param name="Images">PNG pictures by name (e.g. "clips/0/faces.png").</param>
internal sealed record JobOutcome(bool Succeeded, byte[]? ResultJson, string? Error, string? ErrorType, IReadOnlyDictionary<string, byte[]> Images);

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Sta.MLNet.Orleans.Tests;

/// <summary>
/// A redis-server of its own on 127.0.0.1 (a free port, no persistence, a temporary folder), started by a test and
/// killed when it is disposed. CI installs redis-server (build/install-prerequisites.sh); a machine without it fails
/// the test with that instruction rather than skipping it.
/// </summary>
internal sealed class RedisServer : IDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    private RedisServer(Process process, int port, string folder)
    {
        _process = process;
        Port = port;
        _folder = folder;
    }

    public int Port { get; }

    /// <summary>The store for a cluster of its own in this server (clusters of different tests never meet).</summary>
    public CorpusStore Store(string cluster) => CorpusStore.Parse($"redis://127.0.0.1:{Port}?cluster={cluster}");

    public static RedisServer Start()
    {
        var executable = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);
        Assert.True(executable is not null, "redis-server is not installed: run bash build/install-prerequisites.sh");
        var port = FreePort();
        var folder = Directory.CreateTempSubdirectory("sta-redis-").FullName;
        var start = new ProcessStartInfo(executable!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                     "--save", "", "--appendonly", "no", "--dir", folder, "--protected-mode", "yes" })
            start.ArgumentList.Add(argument);
        var process = Process.Start(start)!;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            log.Enqueue(e.Data);
            if (e.Data.Contains("Ready to accept connections", StringComparison.Ordinal)) ready.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // Ready, or exited (port taken, bad argument): whichever comes first; the minute is a deadlock guard only.
        var exited = process.WaitForExitAsync();
        var first = Task.WhenAny(ready.Task, exited, Task.Delay(Guard.Time)).GetAwaiter().GetResult();
        if (first != ready.Task)
        {
            if (!process.HasExited) process.Kill();
            Assert.Fail($"redis-server did not start on port {port}: {string.Join(" | ", log)}");
        }
        return new RedisServer(process, port, folder);
    }

    /// <summary>A loopback TCP port nothing listens on now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}

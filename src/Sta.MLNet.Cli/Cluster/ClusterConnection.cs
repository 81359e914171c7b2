using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sta.MLNet.Cli.Infrastructure;
using Sta.MLNet.Orleans;

namespace Sta.MLNet.Cli.Cluster;

/// <summary>
/// A client connection to the cluster that keeps its state in a store, for the verbs that talk to a running cluster
/// (<c>sta cluster score</c>, <c>sta cluster status</c>). Connecting is bounded in time and fails with one sentence:
/// the store first (a Redis that is down or mistyped), then the silos (none registered, none answering).
/// </summary>
internal sealed class ClusterConnection : IAsyncDisposable
{
    private readonly IHost _host;

    private ClusterConnection(IHost host, CorpusStore store)
    {
        _host = host;
        Store = store;
        Corpus = new CorpusClient(host.Services.GetRequiredService<IClusterClient>());
    }

    public CorpusStore Store { get; }

    public CorpusClient Corpus { get; }

    /// <exception cref="IOException">The store or the silos could not be reached within <paramref name="timeout"/>.</exception>
    public static async Task<ClusterConnection> OpenAsync(CorpusStore store, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await store.EnsureReachableAsync(timeout, cancellationToken);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        // A client's own troubles come back as exceptions from its calls; Orleans' log lines would only repeat them.
        builder.Logging.ClearProviders();
        // Ctrl+C belongs to the verb (it stops following a job), not to a host that would stop the client under it.
        builder.Services.AddSingleton<IHostLifetime, UnmanagedLifetime>();
        builder.UseOrleansClient(client => client.UseStaCorpusStore(store));
        var host = builder.Build();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await host.StartAsync(limit.Token);
            return new ClusterConnection(host, store);
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested)
        {
            host.Dispose();
            var reason = error is OperationCanceledException ? $"no answer within {timeout.TotalSeconds:0.#} s" : error.Message.Split('\n')[0];
            throw new IOException($"no silo of cluster '{store.ClusterId}' answers through {store}: {reason}. " +
                                  $"Start one with 'sta cluster silo --store {store} --model FILE'.", error);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
            // Closing a connection to a cluster that went away has nothing left to report.
        }
        _host.Dispose();
    }

    /// <summary>Reads --store; a text that is not a store is a usage error with the parser's explanation.</summary>
    public static CorpusStore ParseStore(string text)
    {
        try
        {
            return CorpusStore.Parse(text);
        }
        catch (FormatException error)
        {
            throw new UsageException($"--store: {error.Message}");
        }
    }

    /// <summary>
    /// The address a silo advertises when none is given: loopback when the whole cluster is on this machine, otherwise the
    /// first IPv4 address of a network interface that is up.
    /// </summary>
    public static IPAddress DefaultSiloAddress(CorpusStore store)
    {
        if (store.IsOnLoopback) return IPAddress.Loopback;
        var address = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(u => u.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        return address ?? throw new UsageException("This machine has no network address other than loopback: give --address.");
    }

    /// <summary>A TCP port nothing listens on at <paramref name="address"/> now (the system's choice).</summary>
    public static int FreePort(IPAddress address)
    {
        using var listener = new TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A host lifetime that starts and stops with the calls made to the host, and listens to no signal.</summary>
    private sealed class UnmanagedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

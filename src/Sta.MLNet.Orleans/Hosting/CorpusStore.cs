using System.Globalization;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Sta.MLNet.Orleans;

/// <summary>
/// Where a corpus cluster keeps its membership table (which silos are alive) and its jobs' state: in memory on one
/// machine (<c>localhost</c>), or in Redis (<c>redis://host:port</c>) shared by every silo and client of the cluster.
/// Silos and clients of one cluster name the same store; <see cref="CorpusStoreExtensions"/> configures them from it.
/// </summary>
public sealed class CorpusStore
{
    /// <summary>The cluster id used when the store names none.</summary>
    public const string DefaultClusterId = "sta-corpus";

    /// <summary>The silo-to-silo port of the one silo of a <c>localhost</c> store (Orleans' usual default).</summary>
    public const int LocalSiloPort = 11111;

    /// <summary>The client gateway port of the one silo of a <c>localhost</c> store (Orleans' usual default).</summary>
    public const int LocalGatewayPort = 30000;

    private readonly string _display;

    private CorpusStore(ConfigurationOptions? redis, string clusterId, string display)
    {
        Redis = redis;
        ClusterId = clusterId;
        _display = display;
    }

    /// <summary>How to reach Redis; null for the one-machine store. Each user takes its own copy (the options are mutable).</summary>
    internal ConfigurationOptions? Redis { get; }

    /// <summary>The one-machine store: localhost clustering and in-memory job state (lost when the silo stops).</summary>
    public static CorpusStore Local { get; } = new(null, DefaultClusterId, "localhost");

    /// <summary>True for the one-machine store, false for Redis.</summary>
    public bool IsLocal => Redis is null;

    /// <summary>
    /// True when every member of the cluster must be on this machine: the one-machine store, or a Redis reached through
    /// a loopback address (localhost, 127.x.x.x, ::1). Silos then need only loopback endpoints.
    /// </summary>
    public bool IsOnLoopback => Redis is null || Redis.EndPoints.All(endpoint => endpoint switch
    {
        System.Net.DnsEndPoint d => d.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (System.Net.IPAddress.TryParse(d.Host, out var address) && System.Net.IPAddress.IsLoopback(address)),
        System.Net.IPEndPoint i => System.Net.IPAddress.IsLoopback(i.Address),
        _ => false,
    });

    /// <summary>
    /// Connects to the store once and pings it, so that a wrong address or a Redis that is down is reported at once and
    /// in one sentence, instead of as Orleans retrying in the background. Does nothing for the one-machine store.
    /// </summary>
    /// <exception cref="IOException">Redis did not answer within <paramref name="timeout"/>; the message names the store (without password) and the reason.</exception>
    public async Task EnsureReachableAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (Redis is not { } redis) return;
        // A plain TCP connection first: a refused or unroutable address fails at once with the system's reason, where the
        // Redis client would keep retrying until its timeout.
        foreach (var endpoint in redis.EndPoints)
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(timeout);
            using var tcp = new System.Net.Sockets.TcpClient();
            try
            {
                var connecting = endpoint switch
                {
                    System.Net.DnsEndPoint d => tcp.ConnectAsync(d.Host, d.Port, limit.Token),
                    System.Net.IPEndPoint i => tcp.ConnectAsync(i, limit.Token),
                    _ => ValueTask.CompletedTask,
                };
                await connecting.ConfigureAwait(false);
            }
            catch (Exception error) when (error is System.Net.Sockets.SocketException || (error is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                var reason = error is System.Net.Sockets.SocketException socket ? socket.Message : $"no answer within {Seconds(timeout)} s";
                throw new IOException($"cannot reach the store {this}: {reason}.", error);
            }
        }
        var probe = redis.Clone();
        probe.AbortOnConnectFail = true;
        probe.ConnectRetry = 1;
        probe.ConnectTimeout = (int)Math.Clamp(timeout.TotalMilliseconds, 100, int.MaxValue);
        probe.SyncTimeout = probe.ConnectTimeout;
        probe.AsyncTimeout = probe.ConnectTimeout;
        try
        {
            using var connection = await ConnectionMultiplexer.ConnectAsync(probe).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            await connection.GetDatabase().PingAsync().WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is RedisException or TimeoutException or System.Net.Sockets.SocketException)
        {
            // StackExchange.Redis' messages run over several sentences; the first says what happened.
            var reason = error is TimeoutException ? $"no answer within {Seconds(timeout)} s" : error.Message.Split('\n')[0].Split(". ")[0];
            throw new IOException($"cannot reach the store {this}: {reason}.", error);
        }
    }

    /// <summary>
    /// Names this cluster in the store (and is its Orleans cluster and service id), so that several clusters can share
    /// one Redis; set with <c>?cluster=NAME</c>.
    /// </summary>
    public string ClusterId { get; }

    /// <summary>
    /// Reads a store: <c>localhost</c>, or <c>redis://[[user]:password@]host[:port][/database][?cluster=NAME]</c> (port 6379
    /// when left out).
    /// </summary>
    /// <exception cref="FormatException">The text is neither form; the message says what is expected.</exception>
    public static CorpusStore Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return Local;
        if (!trimmed.StartsWith("redis://", StringComparison.OrdinalIgnoreCase)
            || !Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw new FormatException($"'{text}' is not a store: use 'localhost' (one machine) or 'redis://host:port' (a cluster).");

        var redis = new ConfigurationOptions { AbortOnConnectFail = false };
        redis.EndPoints.Add(uri.Host, uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port);
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            if (parts.Length == 2)
            {
                if (parts[0].Length > 0) redis.User = Uri.UnescapeDataString(parts[0]);
                redis.Password = Uri.UnescapeDataString(parts[1]);
            }
            else
            {
                redis.Password = Uri.UnescapeDataString(parts[0]);
            }
        }
        var database = uri.AbsolutePath.Trim('/');
        if (database.Length > 0)
        {
            if (!int.TryParse(database, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                throw new FormatException($"'{text}': the path names the Redis database by number (e.g. redis://host:6379/2), not '{database}'.");
            redis.DefaultDatabase = number;
        }
        var clusterId = DefaultClusterId;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = pair.Split('=', 2) is [var k, var v] ? (k, Uri.UnescapeDataString(v)) : (pair, "");
            if (!key.Equals("cluster", StringComparison.OrdinalIgnoreCase) || value.Length == 0)
                throw new FormatException($"'{text}': the only query setting is cluster=NAME, not '{pair}'.");
            clusterId = value;
        }
        // Shown in logs and status output: never the password.
        var display = $"redis://{uri.Host}:{redis.EndPoints[0] switch { System.Net.DnsEndPoint d => d.Port, System.Net.IPEndPoint i => i.Port, _ => 6379 }}"
            + (database.Length > 0 ? "/" + database : "") + (clusterId != DefaultClusterId ? "?cluster=" + clusterId : "");
        return new CorpusStore(redis, clusterId, display);
    }

    /// <inheritdoc/>
    public override string ToString() => _display;

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);
}

/// <summary>Silo and client set-up from a <see cref="CorpusStore"/>.</summary>
public static class CorpusStoreExtensions
{
    /// <summary>Configures a silo's clustering, the job storage (<see cref="CorpusStorage.ProviderName"/>) and the cluster ids.</summary>
    /// <remarks>
    /// For a Redis store the silo's own endpoints (address, silo and gateway ports) are left to the caller, e.g.
    /// <c>ConfigureEndpoints</c>: they depend on the machine. A <c>localhost</c> store runs one silo on
    /// <see cref="CorpusStore.LocalSiloPort"/> and <see cref="CorpusStore.LocalGatewayPort"/>.
    /// </remarks>
    public static ISiloBuilder UseStaCorpusStore(this ISiloBuilder silo, CorpusStore store)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(store);
        if (store.Redis is not { } redis)
        {
            silo.UseLocalhostClustering(CorpusStore.LocalSiloPort, CorpusStore.LocalGatewayPort, serviceId: store.ClusterId, clusterId: store.ClusterId);
            silo.AddMemoryGrainStorage(CorpusStorage.ProviderName);
            return silo;
        }
        silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (store.ClusterId, store.ClusterId));
        silo.UseRedisClustering(o => o.ConfigurationOptions = redis.Clone());
        silo.AddRedisGrainStorage(CorpusStorage.ProviderName, o => o.ConfigurationOptions = redis.Clone());
        return silo;
    }

    /// <summary>Configures a client to reach the cluster that keeps its state in this store.</summary>
    public static IClientBuilder UseStaCorpusStore(this IClientBuilder client, CorpusStore store)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(store);
        if (store.Redis is not { } redis)
            return client.UseLocalhostClustering(CorpusStore.LocalGatewayPort, serviceId: store.ClusterId, clusterId: store.ClusterId);
        client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (store.ClusterId, store.ClusterId));
        return client.UseRedisClustering(o => o.ConfigurationOptions = redis.Clone());
    }
}

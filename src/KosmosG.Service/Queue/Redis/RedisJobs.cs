using System.Collections.Concurrent;
using KosmosG.Service.Options;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace KosmosG.Service.Queue.Redis;

/// <summary>
/// The connection to the shared Redis (KosmosG:Jobs:Redis) and what the store and the queue share: key names, the
/// scripts, the notification channel (who waits for which job's events), the results folder, and the jobs this replica runs. Commands
/// fail fast while Redis is away (the API answers 503) and the connection comes back by itself.
/// </summary>
public sealed class RedisJobs : IDisposable
{
    readonly Lazy<ConnectionMultiplexer> _connection;
    readonly ConcurrentDictionary<Guid, (string Id, SemaphoreSlim Signal, Func<bool> EveryStep)> _waiters = new();
    readonly CancellationTokenSource _closing = new();
    int _subscribed;

    public RedisJobs(IOptions<KosmosGOptions> options, ILogger<RedisJobs> logger)
    {
        var jobs = options.Value.Jobs;
        Results = string.IsNullOrWhiteSpace(jobs.ResultsFolder) ? null : new ResultFiles(jobs.ResultsFolder, logger);
        Prefix = jobs.RedisKeyPrefix;
        Retention = TimeSpan.FromSeconds(jobs.RetentionSeconds);
        Lease = TimeSpan.FromSeconds(jobs.LeaseSeconds);
        Channel = RedisChannel.Literal(Prefix + "notify");
        // Connected on first use: without KosmosG:Jobs:Redis nothing here is used.
        _connection = new Lazy<ConnectionMultiplexer>(() =>
        {
            var config = ConfigurationOptions.Parse(jobs.Redis);
            config.AbortOnConnectFail = false;
            config.BacklogPolicy = BacklogPolicy.FailFast;
            config.ReconnectRetryPolicy = new LinearRetry(250);
            var connection = ConnectionMultiplexer.Connect(config);
            // Redis may be away at first: subscribe once it answers (the client restores the subscription after that).
            connection.ConnectionRestored += (_, _) => Subscribe(connection);
            Subscribe(connection);
            return connection;
        });
    }

    public string Prefix { get; }
    public TimeSpan Retention { get; }
    public TimeSpan Lease { get; }
    public RedisChannel Channel { get; }
    /// <summary>Where finished PNGs go (KosmosG:Jobs:ResultsFolder), or null: in the job's event stream.</summary>
    public ResultFiles? Results { get; }
    public IDatabase Db => _connection.Value.GetDatabase();

    /// <summary>Fires when the host disposes the connection: background followers stop.</summary>
    public CancellationToken Closing => _closing.Token;

    /// <summary>Jobs running on this replica's workers, by id, with the runner token their lease carries.</summary>
    public ConcurrentDictionary<string, (Job Job, string Runner)> Running { get; } = new();

    /// <summary>Idle workers wait on this; "q" (a job was queued) releases it.</summary>
    public SemaphoreSlim WorkAvailable { get; } = new(0);

    /// <summary>Tells this replica's idle workers to look at the queue.</summary>
    public void WakeWorkers()
    {
        if (WorkAvailable.CurrentCount < 64) WorkAvailable.Release();
    }

    public RedisKey JobKey(string id) => Prefix + "job:" + id;
    public RedisKey EventsKey(string id) => Prefix + "events:" + id;
    public RedisKey QueueKey => Prefix + "queue";
    public RedisKey LeasesKey => Prefix + "leases";

    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>How the runner announces an event ("e:{id}"), or a step's progress or preview ("s:{id}").</summary>
    public const string EventNotice = "e:", StepNotice = "s:";

    /// <summary>Released whenever job <paramref name="id"/> gets an event; for a step's progress or preview only while
    /// <paramref name="everyStep"/> says so (someone streams the events): a synchronous answer needs only the images and
    /// the end, and reading every step's entry as it comes would compete with the model for the CPU. Dispose the
    /// handle to stop listening.</summary>
    public (SemaphoreSlim Signal, IDisposable Handle) WaitForEvents(string id, Func<bool> everyStep)
    {
        var key = Guid.NewGuid();
        var signal = new SemaphoreSlim(0);
        _waiters[key] = (id, signal, everyStep);
        return (signal, new Unregister(() => _waiters.TryRemove(key, out _)));
    }

    /// <summary>The connection once, for readiness: true when Redis answers PING.</summary>
    public async Task<bool> PingAsync()
    {
        try
        {
            await Db.PingAsync();
            return true;
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            return false;
        }
    }

    /// <summary>Redis is away (refused, timed out, or the connection is being rebuilt).</summary>
    public static bool IsUnavailable(Exception e) => e is RedisException or TimeoutException or ObjectDisposedException;

    void Subscribe(ConnectionMultiplexer connection)
    {
        if (Volatile.Read(ref _subscribed) == 1) return;
        try
        {
            connection.GetSubscriber().Subscribe(Channel, (_, message) => OnNotify(message!));
            Interlocked.Exchange(ref _subscribed, 1);
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            // Retried when the connection comes up.
        }
    }

    void OnNotify(string message)
    {
        if (message == "q")
        {
            WakeWorkers();
            return;
        }
        var id = message[2..];
        if (message.StartsWith("c:"))
        {
            if (Running.TryGetValue(id, out var running)) _ = AskCancelAsync(running.Job);
            return;
        }
        var step = message.StartsWith(StepNotice);
        foreach (var waiter in _waiters.Values)
            if (waiter.Id == id && (!step || waiter.EveryStep()))
                waiter.Signal.Release();
    }

    /// <summary>Cancels a job this replica runs with the reason stored with it (the first one asked for).</summary>
    async Task AskCancelAsync(Job job)
    {
        try
        {
            var reason = (string?)await Db.HashGetAsync(JobKey(job.Id), "cancel");
            if (!string.IsNullOrEmpty(reason)) job.Cancel(reason);
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            // The cancel is stored; the next step's event write sees it.
        }
    }

    public void Dispose()
    {
        _closing.Cancel();
        if (_connection.IsValueCreated) _connection.Value.Dispose();
    }

    sealed class Unregister(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}

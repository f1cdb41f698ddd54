using System.Collections.Concurrent;
using KosmosG.Service.Catalog;
using KosmosG.Service.Observability;
using KosmosG.Service.Options;
using Microsoft.Extensions.Options;
using KosmosG.Service.Webhooks;
using StackExchange.Redis;

namespace KosmosG.Service.Queue.Redis;

/// <summary>
/// The queue every replica shares. Capacity counts the global queue. A free worker takes the oldest job and a lease
/// on it, renewed while it runs; each of the job's events goes to its stream (and tells the worker whether a cancel
/// was asked for: cancel reaches the runner within one step, or at once by pub/sub). When a replica dies its leases
/// end and any replica's reaper puts those jobs back at the front; a draining replica takes nothing new and hands
/// back what it cannot finish.
/// </summary>
public sealed class RedisJobQueue : IJobQueue, IDisposable
{
    readonly RedisJobs _redis;
    readonly ModelCatalog _catalog;
    readonly ServiceMetrics _metrics;
    readonly WebhookSender _webhooks;
    readonly ILogger _logger;
    readonly TimeSpan _maxDeadline;
    readonly Timer _leases;
    readonly TimeSpan _sweepEvery;
    readonly ConcurrentDictionary<Task, byte> _writes = new();
    static readonly TimeSpan WritesAtExit = TimeSpan.FromSeconds(5);
    long _nextSweep;
    readonly string _replica = Environment.MachineName + "/" + Guid.NewGuid().ToString("N")[..8];

    public RedisJobQueue(RedisJobs redis, IOptions<KosmosGOptions> options, ModelCatalog catalog, ServiceMetrics metrics,
        WebhookSender webhooks, ILogger<RedisJobQueue> logger)
    {
        _webhooks = webhooks;
        _redis = redis;
        _catalog = catalog;
        _metrics = metrics;
        _logger = logger;
        Capacity = options.Value.Queue.Capacity;
        _maxDeadline = TimeSpan.FromSeconds(options.Value.Deadline.MaxSeconds);
        // Files outlive their job's record by at most half the retention (a minute at most).
        _sweepEvery = TimeSpan.FromTicks(Math.Clamp(redis.Retention.Ticks / 2, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
        var tick = TimeSpan.FromTicks(Math.Min(redis.Lease.Ticks / 3, TimeSpan.FromSeconds(1).Ticks));
        _leases = new Timer(_ => _ = KeepLeasesAsync(), null, tick, tick);
    }

    public int Capacity { get; }

    public async Task<int> CountAsync() => (int)await _redis.Db.ListLengthAsync(_redis.QueueKey);

    public async Task<bool> TryEnqueueAsync(Job job)
    {
        // The keys outlive the longest possible wait, so a job nobody ever runs still goes away.
        var ttl = (long)(_maxDeadline + _redis.Retention + _redis.Lease).TotalMilliseconds;
        var position = (long)await _redis.Db.ScriptEvaluateAsync(RedisScripts.Enqueue,
            [_redis.QueueKey, _redis.JobKey(job.Id), _redis.EventsKey(job.Id)],
            [Capacity, job.Id, RedisCodec.Request(job.Request), RedisCodec.Images(job.Request), job.Owner ?? "",
             job.CreatedAt.ToUnixTimeMilliseconds(), ttl, RedisJobs.Now(), _redis.Channel.ToString(), job.DeadlineAt.ToUnixTimeMilliseconds(), job.Webhook ?? ""]);
        // This replica's own idle worker need not wait for the notification's round trip through Redis.
        if (position > 0) _redis.WakeWorkers();
        return position > 0;
    }

    public async Task<int> PositionOfAsync(Job job) =>
        job.State == JobState.Queued && await _redis.Db.ListPositionAsync(_redis.QueueKey, job.Id) is var i and >= 0 ? (int)i + 1 : 0;

    public Job? Take(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            if (_catalog.IsDraining)
            {
                stop.WaitHandle.WaitOne();
                return null;
            }
            try
            {
                if (TryTake() is { } job) return job;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return null;
            }
            // A command cut off while the connection is rebuilt ends in a TaskCanceledException (seen once under load):
            // on the worker's thread that would end the process, so it counts as Redis being away.
            catch (Exception e) when (RedisJobs.IsUnavailable(e) || e is OperationCanceledException)
            {
                _logger.LogWarning("Taking a job: Redis unavailable ({Message})", e.Message);
            }
            // Woken by "q" as soon as a job is queued anywhere; the timeout covers a missed notification.
            WaitHandle.WaitAny([stop.WaitHandle, _redis.WorkAvailable.AvailableWaitHandle], TimeSpan.FromMilliseconds(500));
            _redis.WorkAvailable.Wait(0);
        }
        return null;
    }

    Job? TryTake()
    {
        var runner = _replica + "/" + Guid.NewGuid().ToString("N")[..8];
        var taken = _redis.Db.ScriptEvaluate(RedisScripts.Take, [_redis.QueueKey, _redis.LeasesKey],
            [RedisJobs.Now(), (long)_redis.Lease.TotalMilliseconds, runner, _redis.Prefix]);
        if (taken.IsNull) return null;
        var f = (RedisValue[])taken!;
        if (f.Length == 1) return null; // its record expired while it waited
        var created = DateTimeOffset.FromUnixTimeMilliseconds((long)f[4]);
        var request = RedisCodec.Request(f[1]!, f[2]!);
        var deadline = DateTimeOffset.FromUnixTimeMilliseconds((long)f[6]) - DateTimeOffset.UtcNow;
        var job = new Job(f[0]!, request, created, deadline)
        {
            Owner = f[3].IsNullOrEmpty ? null : (string)f[3]!, Webhook = f[7].IsNullOrEmpty ? null : (string)f[7]!,
        };
        job.Observer = e => Write(job, runner, e);
        _redis.Running[job.Id] = (job, runner);
        job.Finished.ContinueWith(_ => _redis.Running.TryRemove(job.Id, out var _), TaskScheduler.Default);
        if (!f[5].IsNullOrEmpty) job.Cancel(f[5]!);
        return job;
    }

    /// <summary>The runner's event to the job's stream, in order (one connection keeps the order of commands),
    /// without making the worker wait. A shutdown hands the job back instead of ending it.</summary>
    void Write(Job job, string runner, JobEvent e)
    {
        if (e is ErrorEvent { Type: JobErrorTypes.Shutdown })
        {
            Track(_redis.Db.ScriptEvaluateAsync(RedisScripts.HandBack,
                    [_redis.JobKey(job.Id), _redis.EventsKey(job.Id), _redis.QueueKey, _redis.LeasesKey],
                    [job.Id, runner, RedisJobs.Now(), _redis.Channel.ToString()])
                .ContinueWith(t => Log(t.Exception, job), TaskScheduler.Default));
            return;
        }
        var final = e switch
        {
            CompletedEvent => "succeeded",
            ErrorEvent error when JobErrorTypes.IsFailure(error.Type) => "failed",
            ErrorEvent => "cancelled",
            _ => "",
        };
        // With a results folder the PNG goes to its file first, and the stream entry names it without the bytes.
        var data = e is ImageEvent image && _redis.Results is { } files
            ? RedisCodec.Data(image with { Image = files.Write(job.Id, image.Image) })
            : RedisCodec.Data(e);
        Track(_redis.Db.ScriptEvaluateAsync(RedisScripts.Event, [_redis.JobKey(job.Id), _redis.EventsKey(job.Id), _redis.LeasesKey],
                [job.Id, runner, e.Name, data, RedisJobs.Now(), final, (long)_redis.Retention.TotalMilliseconds, _redis.Channel.ToString(),
                 e is ProgressEvent or PreviewEvent ? RedisJobs.StepNotice : RedisJobs.EventNotice])
            .ContinueWith(t =>
            {
                if (!t.IsCompletedSuccessfully)
                {
                    Log(t.Exception, job);
                    return;
                }
                var answer = (string)t.Result!;
                if (answer == "!stale")
                {
                    // Another replica owns the job now (this one's lease ended): stop computing it for nothing.
                    _metrics.StaleRun();
                    job.Cancel(JobErrorTypes.Cancelled);
                }
                else if (final != "") _webhooks.Notify(job); // the job's one end, written by its runner
                else if (answer != "") job.Cancel(answer);
            }, TaskScheduler.Default));
    }

    /// <summary>Remembers a write until Redis answered it, so that disposal (after the drain) waits for the last
    /// hand-backs and terminal events instead of closing the connection under them.</summary>
    void Track(Task write)
    {
        _writes[write] = 0;
        write.ContinueWith(t => _writes.TryRemove(t, out _), TaskScheduler.Default);
    }

    void Log(Exception? e, Job job)
    {
        if (e is not null) _logger.LogWarning("Job {JobId}: writing its event to Redis failed ({Message})", job.Id, e.GetBaseException().Message);
    }

    /// <summary>Renews this replica's leases and reaps everyone's expired ones (any live replica does it); now and then
    /// deletes the result files of jobs whose record expired.</summary>
    async Task KeepLeasesAsync()
    {
        try
        {
            var end = RedisJobs.Now() + (long)_redis.Lease.TotalMilliseconds;
            foreach (var (id, _) in _redis.Running)
                await _redis.Db.ScriptEvaluateAsync(RedisScripts.Renew, [_redis.LeasesKey], [id, end]);
            var reaped = (long[])(await _redis.Db.ScriptEvaluateAsync(RedisScripts.Reap, [_redis.LeasesKey, _redis.QueueKey],
                [RedisJobs.Now(), _redis.Prefix, _redis.Channel.ToString(), (long)_redis.Retention.TotalMilliseconds]))!;
            if (reaped[0] > 0)
            {
                _logger.LogWarning("{Expired} job leases expired; {Requeued} jobs queued again", reaped[0], reaped[1]);
                _metrics.LeasesExpired(reaped[0], reaped[1]);
            }
            if (_redis.Results is { } files && Environment.TickCount64 >= _nextSweep)
            {
                _nextSweep = Environment.TickCount64 + (long)_sweepEvery.TotalMilliseconds;
                await files.SweepAsync(id => _redis.Db.KeyExistsAsync(_redis.JobKey(id)));
            }
        }
        catch (Exception e) when (RedisJobs.IsUnavailable(e))
        {
            _logger.LogDebug("Lease upkeep skipped: Redis unavailable ({Message})", e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("Sweeping KosmosG:Jobs:ResultsFolder failed ({Message})", e.Message);
        }
    }

    public void Dispose()
    {
        _leases.Dispose();
        Task.WaitAll(_writes.Keys.ToArray(), WritesAtExit);
    }
}

using KosmosG.Service.Options;
using KosmosG.Service.Webhooks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace KosmosG.Service.Queue.Redis;

/// <summary>
/// Jobs shared by every replica: a job is its record (request, owner, creation time) plus its event stream, so any
/// replica rebuilds the same state, images and outcome from Redis. A job submitted here follows its stream until it
/// ends, wherever it runs, which is what its synchronous or SSE answer waits on. Finished jobs expire after
/// KosmosG:Jobs:RetentionSeconds (Redis drops the keys; their files in KosmosG:Jobs:ResultsFolder follow).
/// </summary>
public sealed class RedisJobStore(RedisJobs redis, IOptions<KosmosGOptions> options, WebhookSender webhooks, ILogger<RedisJobStore> logger)
    : IJobStore
{
    readonly double maxDeadlineSeconds = options.Value.Deadline.MaxSeconds;
    static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(1);

    public void Add(Job job)
    {
        // The local object mirrors the shared job; its own cancellation (disconnect, deadline) goes to the runner.
        job.Token.Register(() => _ = CancelSharedAsync(job));
        // Its steps are read as they come only while the submitter streams its events (SSE); otherwise with the next event.
        _ = FollowAsync(job, "0-0", () => job.IsWatched, CancellationToken.None);
    }

    public async Task<Job?> FindAsync(string id) => (await LoadAsync(id))?.Job;

    public async Task<Job?> FollowAsync(string id, CancellationToken stop)
    {
        if (await LoadAsync(id) is not var (job, last)) return null;
        if (!job.IsFinished) _ = FollowAsync(job, last, () => true, stop);
        return job;
    }

    public async Task<bool> CancelAsync(Job job, string reason) => await CancelAsync(job.Id, reason) is "running" or "cancelled";

    public async Task<string?> ClaimAsync(string key, string jobId)
    {
        var claim = (RedisKey)(redis.Prefix + "idempotency:" + key);
        // As long as the job can be found: the longest wait plus the retention.
        var ttl = redis.Retention + TimeSpan.FromSeconds(maxDeadlineSeconds) + redis.Lease;
        if (await redis.Db.StringSetAsync(claim, jobId, ttl, When.NotExists)) return null;
        var bound = (string?)await redis.Db.StringGetAsync(claim);
        if (bound is not null && await redis.Db.KeyExistsAsync(redis.JobKey(bound))) return bound;
        await redis.Db.StringSetAsync(claim, jobId, ttl);
        return null;
    }

    public Task UnclaimAsync(string key, string jobId) =>
        redis.Db.ScriptEvaluateAsync("if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end",
            [(RedisKey)(redis.Prefix + "idempotency:" + key)], [jobId]);

    public IEnumerable<Job> Unfinished => redis.Running.Values.Select(r => r.Job).Where(j => !j.IsFinished);

    /// <summary>A waiting job ends here (and its webhook is called from here); a running one ends on its runner.</summary>
    async Task<string> CancelAsync(string id, string reason)
    {
        var result = (string)(await redis.Db.ScriptEvaluateAsync(RedisScripts.Cancel,
            [redis.JobKey(id), redis.EventsKey(id), redis.QueueKey, redis.LeasesKey],
            [id, reason, Job.CancelMessage(reason), RedisJobs.Now(), (long)redis.Retention.TotalMilliseconds, redis.Channel.ToString()]))!;
        if (result == "cancelled" && await FindAsync(id) is { } ended) webhooks.Notify(ended);
        return result;
    }

    async Task CancelSharedAsync(Job job)
    {
        try
        {
            await Task.Yield();
            if (await CancelAsync(job.Id, job.CancelReason) == "missing") job.MarkCancelled();
        }
        catch (Exception e) when (RedisJobs.IsUnavailable(e))
        {
            // Nobody can reach the job now: its waiting client gets the cancellation here.
            job.MarkCancelled();
        }
    }

    /// <summary>The record and every event so far, replayed into a new job; null when Redis has no such job.</summary>
    async Task<(Job Job, RedisValue Last)?> LoadAsync(string id)
    {
        var fields = await redis.Db.HashGetAsync(redis.JobKey(id), ["request", "images", "owner", "created", "webhook"]);
        if (fields[0].IsNull) return null;
        var job = new Job(id, RedisCodec.Request(fields[0]!, fields[1]!), DateTimeOffset.FromUnixTimeMilliseconds((long)fields[3]),
            Timeout.InfiniteTimeSpan) { Owner = NullIfEmpty(fields[2]), Webhook = NullIfEmpty(fields[4]) };
        RedisValue last = "0-0";
        foreach (var entry in await redis.Db.StreamRangeAsync(redis.EventsKey(id)))
        {
            var (e, at) = Event(id, entry);
            job.Apply(e, at);
            last = entry.Id;
        }
        return (job, last);
    }

    /// <summary>Applies the job's new stream entries as they are announced (checking once a second regardless) until
    /// the terminal event; a job whose record vanished (Redis lost it) ends failed. One read per wake-up: the notices
    /// that came meanwhile are consumed first, since the read returns every entry they announced.</summary>
    async Task FollowAsync(Job job, RedisValue last, Func<bool> everyStep, CancellationToken until)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(until, redis.Closing);
        var stop = linked.Token;
        var (signal, handle) = redis.WaitForEvents(job.Id, everyStep);
        using var _ = handle;
        var idle = false;
        while (!job.IsFinished && !stop.IsCancellationRequested)
        {
            while (signal.Wait(0)) { }
            try
            {
                var entries = await redis.Db.StreamReadAsync(redis.EventsKey(job.Id), last);
                foreach (var entry in entries)
                {
                    var (e, at) = Event(job.Id, entry);
                    job.Apply(e, at);
                    last = entry.Id;
                }
                // Quiet for a whole poll interval: is the job still there at all?
                if (idle && entries.Length == 0 && !await redis.Db.KeyExistsAsync(redis.JobKey(job.Id)))
                {
                    job.Fail("The job's record was lost from the shared store (Redis restarted or its retention ended).");
                    return;
                }
            }
            catch (Exception e) when (RedisJobs.IsUnavailable(e))
            {
                logger.LogWarning("Following job {JobId}: Redis unavailable ({Message})", job.Id, e.Message);
            }
            if (job.IsFinished) return;
            try { idle = !await signal.WaitAsync(IdlePoll, stop); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>A stream entry back to its event, with an image's bytes read from the results folder.</summary>
    (JobEvent Event, DateTimeOffset At) Event(string id, StreamEntry entry)
    {
        var (e, at) = RedisCodec.Event(entry);
        return e is ImageEvent image && redis.Results is { } files ? (image with { Image = files.Read(id, image.Image) }, at) : (e, at);
    }

    static string? NullIfEmpty(RedisValue value) => value.IsNullOrEmpty ? null : (string)value!;
}

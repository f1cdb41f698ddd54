namespace KosmosG.Service.Queue.Redis;

/// <summary>
/// The Lua scripts that change a job's shared state: each runs atomically in Redis, so admission, taking, cancelling,
/// lease expiry and the terminal event never interleave. Keys: {p}job:{id} (hash: request, images, owner, created,
/// deadline, webhook, state, runner, cancel), {p}events:{id} (stream: e = event name, d = JSON, t = unix ms), {p}queue
/// (list of ids), {p}leases (sorted set: id by lease end, unix ms). States: queued, running, succeeded, failed,
/// cancelled. Every event is announced on the {p}notify channel as "e:{id}", a step's progress or preview as "s:{id}"
/// (only followers that stream events read those at once); "q" wakes idle workers; "c:{id}" asks the runner to cancel.
/// </summary>
static class RedisScripts
{
    /// <summary>KEYS queue, job, events; ARGV capacity, id, request, images, owner, created, ttl ms, now, channel, deadline, webhook.
    /// Returns the 1-based position, or 0 when the queue is full.</summary>
    public const string Enqueue = """
        local n = redis.call('LLEN', KEYS[1])
        if n >= tonumber(ARGV[1]) then return 0 end
        redis.call('HSET', KEYS[2], 'request', ARGV[3], 'images', ARGV[4], 'owner', ARGV[5], 'created', ARGV[6], 'deadline', ARGV[10], 'webhook', ARGV[11], 'state', 'queued')
        redis.call('RPUSH', KEYS[1], ARGV[2])
        redis.call('XADD', KEYS[3], '*', 'e', 'queued', 'd', cjson.encode({Id = ARGV[2], Position = n + 1}), 't', ARGV[8])
        redis.call('PEXPIRE', KEYS[2], ARGV[7])
        redis.call('PEXPIRE', KEYS[3], ARGV[7])
        redis.call('PUBLISH', ARGV[9], 'e:' .. ARGV[2])
        redis.call('PUBLISH', ARGV[9], 'q')
        return n + 1
        """;

    /// <summary>KEYS queue, leases; ARGV now, lease ms, runner, key prefix. Pops the oldest job and leases it to the
    /// runner: {id, request, images, owner, created, cancel, deadline, webhook}, or nil when the queue is empty.</summary>
    public const string Take = """
        local id = redis.call('LPOP', KEYS[1])
        if not id then return nil end
        local job = ARGV[4] .. 'job:' .. id
        if redis.call('EXISTS', job) == 0 then return {id} end
        redis.call('ZADD', KEYS[2], tonumber(ARGV[1]) + tonumber(ARGV[2]), id)
        redis.call('HSET', job, 'state', 'running', 'runner', ARGV[3])
        local f = redis.call('HMGET', job, 'request', 'images', 'owner', 'created', 'cancel', 'deadline', 'webhook')
        return {id, f[1], f[2], f[3], f[4], f[5] or '', f[6], f[7] or ''}
        """;

    /// <summary>KEYS job, events, leases; ARGV id, runner, name, data, now, final state or '', retention ms, channel,
    /// notice ('e:', or 's:' for a step's progress or preview). Appends an event of the runner's; a runner that lost the job (lease expired, job ended) writes nothing and gets
    /// '!stale'. Otherwise returns the cancel reason asked for meanwhile, or ''.</summary>
    public const string Event = """
        if redis.call('HGET', KEYS[1], 'runner') ~= ARGV[2] or redis.call('HGET', KEYS[1], 'state') ~= 'running' then return '!stale' end
        redis.call('XADD', KEYS[2], '*', 'e', ARGV[3], 'd', ARGV[4], 't', ARGV[5])
        if ARGV[6] ~= '' then
          redis.call('HSET', KEYS[1], 'state', ARGV[6])
          redis.call('ZREM', KEYS[3], ARGV[1])
          redis.call('PEXPIRE', KEYS[1], ARGV[7])
          redis.call('PEXPIRE', KEYS[2], ARGV[7])
        end
        redis.call('PUBLISH', ARGV[8], ARGV[9] .. ARGV[1])
        return redis.call('HGET', KEYS[1], 'cancel') or ''
        """;

    /// <summary>KEYS job, events, queue, leases; ARGV id, reason, message, now, retention ms, channel. A queued job
    /// ends at once ('cancelled'); a running one is asked to stop ('running'); 'succeeded'/'failed' when too late,
    /// 'missing' when unknown.</summary>
    public const string Cancel = """
        local state = redis.call('HGET', KEYS[1], 'state')
        if not state then return 'missing' end
        if state ~= 'queued' and state ~= 'running' then return state end
        if state == 'running' then
          redis.call('HSETNX', KEYS[1], 'cancel', ARGV[2])
          redis.call('PUBLISH', ARGV[6], 'c:' .. ARGV[1])
          return 'running'
        end
        redis.call('LREM', KEYS[3], 0, ARGV[1])
        redis.call('HSET', KEYS[1], 'state', 'cancelled')
        redis.call('XADD', KEYS[2], '*', 'e', 'error', 'd', cjson.encode({Id = ARGV[1], Type = ARGV[2], Message = ARGV[3]}), 't', ARGV[4])
        redis.call('PEXPIRE', KEYS[1], ARGV[5])
        redis.call('PEXPIRE', KEYS[2], ARGV[5])
        redis.call('PUBLISH', ARGV[6], 'e:' .. ARGV[1])
        return 'cancelled'
        """;

    /// <summary>KEYS job, events, queue, leases; ARGV id, runner, now, channel. A draining replica hands a job it runs
    /// back to the front of the queue (a 'requeued' event, reason shutdown). Returns 1, or 0 when the job is no longer the runner's.</summary>
    public const string HandBack = """
        if redis.call('HGET', KEYS[1], 'runner') ~= ARGV[2] or redis.call('HGET', KEYS[1], 'state') ~= 'running' then return 0 end
        redis.call('HSET', KEYS[1], 'state', 'queued', 'runner', '')
        redis.call('ZREM', KEYS[4], ARGV[1])
        redis.call('LPUSH', KEYS[3], ARGV[1])
        redis.call('XADD', KEYS[2], '*', 'e', 'requeued', 'd', cjson.encode({Id = ARGV[1], Position = 1, Reason = 'shutdown'}), 't', ARGV[3])
        redis.call('PUBLISH', ARGV[4], 'e:' .. ARGV[1])
        redis.call('PUBLISH', ARGV[4], 'q')
        return 1
        """;

    /// <summary>KEYS leases, queue; ARGV now, key prefix, channel, retention ms. Every lease that ended: the job goes
    /// back to the front of the queue with a 'requeued' event, reason lease_expired (or ends cancelled when a cancel was
    /// asked for). Returns {expired, requeued}.</summary>
    public const string Reap = """
        local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
        local requeued = 0
        for _, id in ipairs(ids) do
          redis.call('ZREM', KEYS[1], id)
          local job = ARGV[2] .. 'job:' .. id
          local events = ARGV[2] .. 'events:' .. id
          if redis.call('HGET', job, 'state') == 'running' then
            local reason = redis.call('HGET', job, 'cancel')
            if reason then
              redis.call('HSET', job, 'state', 'cancelled')
              redis.call('XADD', events, '*', 'e', 'error', 'd', cjson.encode({Id = id, Type = reason, Message = 'The job was cancelled.'}), 't', ARGV[1])
              redis.call('PEXPIRE', job, ARGV[4])
              redis.call('PEXPIRE', events, ARGV[4])
            else
              redis.call('HSET', job, 'state', 'queued', 'runner', '')
              redis.call('LPUSH', KEYS[2], id)
              redis.call('XADD', events, '*', 'e', 'requeued', 'd', cjson.encode({Id = id, Position = 1, Reason = 'lease_expired'}), 't', ARGV[1])
              requeued = requeued + 1
              redis.call('PUBLISH', ARGV[3], 'q')
            end
            redis.call('PUBLISH', ARGV[3], 'e:' .. id)
          end
        end
        return {#ids, requeued}
        """;

    /// <summary>KEYS leases; ARGV id, lease end. Extends a lease that still exists; 0 when it was already reaped.</summary>
    public const string Renew = """
        if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
        redis.call('ZADD', KEYS[1], 'XX', ARGV[2], ARGV[1])
        return 1
        """;
}

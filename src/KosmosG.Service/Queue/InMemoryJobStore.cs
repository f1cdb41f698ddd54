using System.Collections.Concurrent;
using KosmosG.Service.Options;
using Microsoft.Extensions.Options;

namespace KosmosG.Service.Queue;

/// <summary>
/// Every job by id, in this process. Finished jobs stay fetchable for KosmosG:Jobs:RetentionSeconds and at most
/// KosmosG:Jobs:MaxRetained of them are kept (oldest finished first out); unfinished jobs are never dropped.
/// </summary>
public sealed class InMemoryJobStore : IJobStore, IDisposable
{
    readonly ConcurrentDictionary<string, Job> _jobs = new();
    readonly ConcurrentDictionary<string, string> _claims = new();
    readonly JobsOptions _options;
    readonly Timer _sweeper;

    public InMemoryJobStore(IOptions<KosmosGOptions> options)
    {
        _options = options.Value.Jobs;
        _sweeper = new Timer(_ => Sweep(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public void Add(Job job)
    {
        _jobs[job.Id] = job;
        job.Finished.ContinueWith(_ => Sweep(), TaskScheduler.Default);
    }

    public Job? Find(string id) => _jobs.TryGetValue(id, out var job) ? job : null;

    public Task<Job?> FindAsync(string id) => Task.FromResult(Find(id));

    public Task<Job?> FollowAsync(string id, CancellationToken stop) => FindAsync(id);

    public Task<bool> CancelAsync(Job job, string reason) => Task.FromResult(job.Cancel(reason));

    public Task<string?> ClaimAsync(string key, string jobId)
    {
        while (true)
        {
            var bound = _claims.GetOrAdd(key, jobId);
            if (bound == jobId) return Task.FromResult<string?>(null);
            if (_jobs.ContainsKey(bound)) return Task.FromResult<string?>(bound);
            _claims.TryUpdate(key, jobId, bound); // the earlier job is gone: the key is free again
        }
    }

    public Task UnclaimAsync(string key, string jobId)
    {
        _claims.TryRemove(new KeyValuePair<string, string>(key, jobId));
        return Task.CompletedTask;
    }

    public IEnumerable<Job> Unfinished => _jobs.Values.Where(j => !j.IsFinished);

    /// <summary>Drops finished jobs past their retention time, then the oldest finished ones beyond the count cap.</summary>
    public void Sweep()
    {
        var now = DateTimeOffset.UtcNow;
        var finished = _jobs.Values.Where(j => j.FinishedAt is not null).OrderBy(j => j.FinishedAt).ToList();
        var excess = finished.Count - _options.MaxRetained;
        foreach (var job in finished)
        {
            if (excess-- > 0 || now - job.FinishedAt!.Value > TimeSpan.FromSeconds(_options.RetentionSeconds))
                _jobs.TryRemove(job.Id, out _);
        }
        foreach (var (key, id) in _claims)
            if (!_jobs.ContainsKey(id)) _claims.TryRemove(new KeyValuePair<string, string>(key, id));
    }

    public void Dispose() => _sweeper.Dispose();
}

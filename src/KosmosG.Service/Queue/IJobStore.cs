namespace KosmosG.Service.Queue;

/// <summary>Where accepted jobs are found by id until their retention ends (see KosmosG:Jobs).</summary>
public interface IJobStore
{
    /// <summary>Keeps the job; it stays findable at least until it finished and its retention time passed.</summary>
    void Add(Job job);

    /// <summary>The job as it is now (for a shared store: rebuilt from its record and events), or null.</summary>
    Task<Job?> FindAsync(string id);

    /// <summary>The job kept up to date with its events until it ends or <paramref name="stop"/> fires (an SSE reader).</summary>
    Task<Job?> FollowAsync(string id, CancellationToken stop);

    /// <summary>Asks the job to stop wherever it waits or runs; false when it already succeeded or failed.</summary>
    Task<bool> CancelAsync(Job job, string reason);

    /// <summary>Binds a client's Idempotency-Key (scoped by the caller) to a new job's id; returns the job id the key
    /// already named (a retried request), or null when this call bound it.</summary>
    Task<string?> ClaimAsync(string key, string jobId);

    /// <summary>Frees a key whose job was not admitted, so the client's retry can be.</summary>
    Task UnclaimAsync(string key, string jobId);

    /// <summary>Jobs queued or running in this process (what shutdown waits for).</summary>
    IEnumerable<Job> Unfinished { get; }
}

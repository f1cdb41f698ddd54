namespace KosmosG.Service.Queue;

/// <summary>Where accepted jobs are found by id until their retention ends (see KosmosG:Jobs).</summary>
public interface IJobStore
{
    int Count { get; }

    /// <summary>Keeps the job; it stays findable at least until it finished and its retention time passed.</summary>
    void Add(Job job);

    Job? Find(string id);

    /// <summary>Jobs queued or running (what shutdown waits for).</summary>
    IEnumerable<Job> Unfinished { get; }
}

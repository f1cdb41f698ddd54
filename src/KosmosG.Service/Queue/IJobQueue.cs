namespace KosmosG.Service.Queue;

/// <summary>
/// The bounded FIFO of jobs waiting for a device worker: in this process (<see cref="JobQueue"/>) or shared by all
/// replicas (<see cref="Redis.RedisJobQueue"/>). Workers call <see cref="Take"/> only when free, on their own threads;
/// request threads use the asynchronous members (a blocking Redis call there starves the thread pool under load).
/// </summary>
public interface IJobQueue
{
    int Capacity { get; }

    /// <summary>Jobs waiting, across every replica that shares the queue.</summary>
    Task<int> CountAsync();

    /// <summary>Adds the job at the back; false when the queue is full.</summary>
    Task<bool> TryEnqueueAsync(Job job);

    /// <summary>1-based position of a waiting job, 0 when it is not waiting.</summary>
    Task<int> PositionOfAsync(Job job);

    /// <summary>Blocks the calling (worker) thread until a job can run here, or returns null once <paramref name="stop"/> fires.</summary>
    Job? Take(CancellationToken stop);
}

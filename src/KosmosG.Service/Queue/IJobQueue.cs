namespace KosmosG.Service.Queue;

/// <summary>
/// The bounded FIFO of jobs waiting for a device worker: in this process (<see cref="JobQueue"/>) or shared by all
/// replicas (<see cref="Redis.RedisJobQueue"/>). Workers call <see cref="Take"/> only when free, on their own threads.
/// </summary>
public interface IJobQueue
{
    int Capacity { get; }

    /// <summary>Jobs waiting, across every replica that shares the queue.</summary>
    int Count { get; }

    bool IsFull { get; }

    /// <summary>Adds the job at the back; false when the queue is full.</summary>
    bool TryEnqueue(Job job);

    /// <summary>1-based position of a waiting job, 0 when it is not waiting.</summary>
    int PositionOf(Job job);

    /// <summary>Blocks the calling (worker) thread until a job can run here, or returns null once <paramref name="stop"/> fires.</summary>
    Job? Take(CancellationToken stop);
}

using KosmosG.Service.Options;
using Microsoft.Extensions.Options;

namespace KosmosG.Service.Queue;

/// <summary>
/// The in-process queue (no KosmosG:Jobs:Redis). Workers block in <see cref="Take"/> on their own threads;
/// a job cancelled while waiting leaves the queue at once (its slot is free again).
/// </summary>
public sealed class JobQueue(IOptions<KosmosGOptions> options, Webhooks.WebhookSender webhooks) : IJobQueue
{
    readonly object _gate = new();
    readonly LinkedList<Job> _items = new();
    readonly int _capacity = options.Value.Queue.Capacity;

    public int Capacity => _capacity;

    public Task<int> CountAsync()
    {
        lock (_gate) return Task.FromResult(_items.Count);
    }

    public Task<bool> TryEnqueueAsync(Job job) => Task.FromResult(TryEnqueue(job));

    public Task<int> PositionOfAsync(Job job) => Task.FromResult(PositionOf(job));

    bool TryEnqueue(Job job)
    {
        lock (_gate)
        {
            if (_items.Count >= _capacity) return false;
            // Published before a worker can see the job, so a stream never shows `started` before `queued`.
            job.Publish(new QueuedEvent(job.Id, _items.Count + 1));
            _items.AddLast(job);
            Monitor.PulseAll(_gate);
        }
        job.Token.Register(() => Remove(job));
        job.Finished.ContinueWith(_ => webhooks.Notify(job), TaskScheduler.Default);
        return true;
    }

    int PositionOf(Job job)
    {
        lock (_gate)
        {
            var i = 1;
            for (var n = _items.First; n != null; n = n.Next, i++)
                if (ReferenceEquals(n.Value, job)) return i;
            return 0;
        }
    }

    public Job? Take(CancellationToken stop)
    {
        using var wake = stop.Register(() => { lock (_gate) Monitor.PulseAll(_gate); });
        Job job;
        List<(Job, int)> moved;
        lock (_gate)
        {
            while (_items.Count == 0)
            {
                if (stop.IsCancellationRequested) return null;
                Monitor.Wait(_gate);
            }
            if (stop.IsCancellationRequested) return null;
            job = _items.First!.Value;
            _items.RemoveFirst();
            moved = _items.Select((j, i) => (j, i + 1)).ToList();
        }
        foreach (var (waiting, position) in moved) waiting.Publish(new QueuedEvent(waiting.Id, position));
        return job;
    }

    void Remove(Job job)
    {
        bool removed;
        lock (_gate) removed = _items.Remove(job);
        if (removed) job.MarkCancelled();
    }
}

using KosmosG.Service.Catalog;
using KosmosG.Service.Observability;

namespace KosmosG.Service.Queue;

/// <summary>
/// The gate in front of the queue: refused while the workers load or the service drains, and when the queue is full
/// (retry after the time the recent drain rate predicts); otherwise the job is queued, stored, and its outcome counted.
/// </summary>
public sealed class Admission(ModelCatalog catalog, IJobQueue queue, IJobStore store, DrainRate drainRate, ServiceMetrics metrics)
{
    const int NotReadyRetryAfterSeconds = 5;

    /// <summary>A cheap early check before a request body is parsed; null when a job could be admitted now.</summary>
    public async Task<Rejection?> CheckAsync()
    {
        var rejection = NotAdmitting() ?? (await queue.CountAsync() is var waiting && waiting >= queue.Capacity ? QueueFull(waiting) : null);
        if (rejection is not null) metrics.Rejected(rejection.Reason);
        return rejection;
    }

    /// <summary>Queues the job; null on success, else why not. The queue checks its capacity as it adds the job (at
    /// once, for every replica), so the count is not read again first: one round trip less to a shared queue.</summary>
    public async Task<Rejection?> SubmitAsync(Job job)
    {
        var rejection = NotAdmitting() ?? (await queue.TryEnqueueAsync(job) ? null : QueueFull(queue.Capacity));
        if (rejection is not null)
        {
            metrics.Rejected(rejection.Reason);
            return rejection;
        }
        store.Add(job);
        _ = job.Finished.ContinueWith(_ => Record(job), TaskScheduler.Default);
        return null;
    }

    /// <summary>Refused whatever the queue holds: draining, or a worker not ready.</summary>
    Rejection? NotAdmitting() => catalog.IsDraining
        ? new Rejection(Rejections.Draining, "The service is shutting down and accepts no new jobs.", NotReadyRetryAfterSeconds)
        : !catalog.IsReady
            ? new Rejection(Rejections.NotReady, NotReadyDetail(), NotReadyRetryAfterSeconds)
            : null;

    Rejection QueueFull(int waiting) => new(Rejections.QueueFull,
        $"The queue is full ({queue.Capacity} jobs waiting).", drainRate.RetryAfterSeconds(waiting, waiting));

    string NotReadyDetail()
    {
        var waiting = catalog.Workers.Where(w => !w.IsHealthy).Select(w => $"{w.Device}: {w.State}" +
            (w.PausedUntil is { } until ? $" (paused after repeated failures until {until:O})" : ""));
        return "The model is not ready: " + string.Join("; ", waiting);
    }

    void Record(Job job)
    {
        drainRate.Record();
        switch (job.State)
        {
            case JobState.Succeeded: metrics.Succeeded(job.Images.Count, job.Timings!); break;
            case JobState.Cancelled: metrics.Cancelled(job.CancelReason); break;
        }
    }
}

namespace KosmosG.Service.Workers;

/// <summary>
/// When a worker last made progress on the job it holds (started it, finished a denoising step or an image).
/// A worker that holds a job and has not moved for the stall time is wedged (a hung native call, a decode that
/// never returns): readiness reports it so an orchestrator can route around it or restart the process.
/// </summary>
public sealed class ProgressWatch(TimeSpan stall)
{
    const long Idle = 0;
    long _lastTicks = Idle;

    /// <summary>A job was taken, or it moved on.</summary>
    public void Beat() => Interlocked.Exchange(ref _lastTicks, DateTimeOffset.UtcNow.UtcTicks);

    /// <summary>The job ended; an idle worker is never wedged.</summary>
    public void End() => Interlocked.Exchange(ref _lastTicks, Idle);

    /// <summary>Since when the held job has not moved, once that is longer than the stall time; else null.</summary>
    public DateTimeOffset? StalledSince(DateTimeOffset now)
    {
        var ticks = Interlocked.Read(ref _lastTicks);
        if (ticks == Idle || stall <= TimeSpan.Zero) return null;
        var last = new DateTimeOffset(ticks, TimeSpan.Zero);
        return now - last > stall ? last : null;
    }
}

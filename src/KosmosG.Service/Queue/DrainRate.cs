namespace KosmosG.Service.Queue;

/// <summary>
/// Jobs finished per second over the last few completions, to tell a refused client when to come back:
/// Retry-After = ceil((waiting + 1) / rate), at least 1 s.
/// </summary>
public sealed class DrainRate
{
    const int Window = 32;
    readonly object _gate = new();
    readonly Queue<long> _finishedAt = new();

    public void Record()
    {
        lock (_gate)
        {
            _finishedAt.Enqueue(Environment.TickCount64);
            if (_finishedAt.Count > Window) _finishedAt.Dequeue();
        }
    }

    /// <summary>Seconds until about <paramref name="waiting"/> + 1 jobs have drained; <paramref name="fallback"/> without history.</summary>
    public int RetryAfterSeconds(int waiting, int fallback)
    {
        double perSecond;
        lock (_gate)
        {
            if (_finishedAt.Count < 2) return Math.Max(1, fallback);
            var span = (Environment.TickCount64 - _finishedAt.Peek()) / 1000.0;
            perSecond = (_finishedAt.Count - 1) / Math.Max(span, 0.001);
        }
        return (int)Math.Clamp(Math.Ceiling((waiting + 1) / perSecond), 1, 3600);
    }
}

namespace KosmosG.Service.Catalog;

/// <summary>
/// The workers' notice board: the card of the loaded model, every worker's status, and whether the service is
/// draining. Workers write it; the API, admission and health checks only read it. Thread-safe.
/// </summary>
public sealed class ModelCatalog
{
    readonly object _gate = new();
    readonly List<Func<WorkerStatus>> _workers = [];
    ModelCard? _card;
    int _draining;

    /// <summary>The first published card (all workers load the same model); null until one has loaded.</summary>
    public ModelCard? Card => Volatile.Read(ref _card);

    public void Publish(ModelCard card) => Interlocked.CompareExchange(ref _card, card, null);

    /// <summary>Adds a worker whose status is read live (its circuit can open and close at any time).</summary>
    public void Track(Func<WorkerStatus> status)
    {
        lock (_gate) _workers.Add(status);
    }

    public IReadOnlyList<WorkerStatus> Workers
    {
        get { lock (_gate) return _workers.Select(w => w()).ToList(); }
    }

    public bool IsDraining => Volatile.Read(ref _draining) == 1;

    /// <summary>True for the caller that switched draining on, false once it was on.</summary>
    public bool BeginDraining() => Interlocked.Exchange(ref _draining, 1) == 0;

    /// <summary>Not draining, and every worker loaded, warmed up and not paused.</summary>
    public bool IsReady => !IsDraining && Workers is { Count: > 0 } workers && workers.All(w => w.IsHealthy);
}

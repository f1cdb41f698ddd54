using KosmosG.Service.Catalog;
using KosmosG.Service.Observability;
using KosmosG.Service.Options;
using KosmosG.Service.Queue;
using Microsoft.Extensions.Options;

namespace KosmosG.Service.Workers;

/// <summary>
/// Starts one <see cref="DeviceWorker"/> per KosmosG:Workers:Devices entry and owns readiness and shutdown: when the
/// host begins stopping, admission closes (503), queued and running jobs get KosmosG:Shutdown:DrainSeconds to
/// finish, what is left is cancelled, then the worker threads stop and release their models.
/// A worker that cannot load its model stops the application (Program exits with 1): it cannot serve.
/// </summary>
public sealed class WorkerPool(
    IOptions<KosmosGOptions> options,
    IImageGeneratorFactory factory,
    IJobQueue queue,
    IJobStore store,
    ModelCatalog catalog,
    ServiceMetrics metrics,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggers) : IHostedService
{
    readonly KosmosGOptions _options = options.Value;
    readonly ILogger _logger = loggers.CreateLogger<WorkerPool>();
    readonly List<DeviceWorker> _workers = [];
    readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<DeviceWorker> Workers => _workers;
    /// <summary>A worker could not load its model or warm up; the application is stopping because of it.</summary>
    public bool HasFatalFailure => _workers.Any(w => w.State == WorkerState.Faulted);
    public bool IsDraining => catalog.IsDraining;
    public bool IsReady => catalog.IsReady;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var device in _options.Workers.Devices)
        {
            var worker = new DeviceWorker(device, _options, factory, queue, catalog, metrics,
                loggers.CreateLogger($"KosmosG.Service.Worker[{device}]"), OnFatal);
            _workers.Add(worker);
            catalog.Track(worker.Status);
        }
        lifetime.ApplicationStopping.Register(BeginDrain);
        foreach (var worker in _workers) worker.Start();
        return Task.CompletedTask;
    }

    /// <summary>Stops admission, then cancels whatever has not finished when the drain time is over.</summary>
    public void BeginDrain()
    {
        if (!catalog.BeginDraining()) return;
        var drainFor = TimeSpan.FromSeconds(_options.Shutdown.DrainSeconds);
        _logger.LogInformation("Draining: {Count} unfinished jobs get {Seconds} s", store.Unfinished.Count(), drainFor.TotalSeconds);
        var deadline = Task.Delay(drainFor);
        _ = Task.Run(async () =>
        {
            // Re-read the unfinished set each round: a job admitted just before the switch may land late.
            while (store.Unfinished.ToList() is { Count: > 0 } pending)
            {
                if (await Task.WhenAny(Task.WhenAll(pending.Select(j => j.Finished)), deadline) != deadline) continue;
                _logger.LogWarning("Drain time over: cancelling {Count} jobs", pending.Count);
                foreach (var job in store.Unfinished) job.Cancel(JobErrorTypes.Shutdown);
                await Task.WhenAll(store.Unfinished.Select(j => j.Finished));
            }
            _drained.TrySetResult();
        });
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        BeginDrain();
        await _drained.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        foreach (var worker in _workers)
            if (!worker.Stop(TimeSpan.FromSeconds(30)))
                _logger.LogWarning("Worker {Device} did not stop within 30 s", worker.Device);
    }

    void OnFatal(DeviceWorker worker) => lifetime.StopApplication();
}

using KosmosG.Service.Jobs;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KosmosG.Service.Api;

/// <summary>Ready when every worker has loaded its model, finished its warm-up generation and has no open circuit,
/// and the service is not draining.</summary>
public sealed class WorkersHealthCheck(WorkerPool pool) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = pool.Workers.ToDictionary(w => w.Device, object (w) =>
            w.Resilience.OpenUntil is { } until ? $"paused until {until:O} after repeated failures" : w.FaultMessage ?? w.State.ToString());
        var result = pool.IsDraining ? HealthCheckResult.Unhealthy("draining", data: data)
            : pool.IsReady ? HealthCheckResult.Healthy("ready", data)
            : HealthCheckResult.Unhealthy("not ready", data: data);
        return Task.FromResult(result);
    }
}

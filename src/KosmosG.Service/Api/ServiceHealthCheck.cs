using KosmosG.Service.Catalog;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KosmosG.Service.Api;

/// <summary>Ready when every worker has loaded its model, finished its warm-up generation, has no open circuit and is
/// not wedged on a job, and the service is not draining (as the workers publish it in the catalog).</summary>
public sealed class ServiceHealthCheck(ModelCatalog catalog) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = catalog.Workers.ToDictionary(w => w.Device, object (w) =>
            w.PausedUntil is { } until ? $"paused until {until:O} after repeated failures"
            : w.StalledSince is { } since ? $"wedged: its job has made no progress since {since:O}"
            : w.Fault ?? w.State.ToString());
        var result = catalog.IsDraining ? HealthCheckResult.Unhealthy("draining", data: data)
            : catalog.IsReady ? HealthCheckResult.Healthy("ready", data)
            : HealthCheckResult.Unhealthy("not ready", data: data);
        return Task.FromResult(result);
    }
}

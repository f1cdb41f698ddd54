using KosmosG.Service.Queue;
using KosmosG.Service.Queue.Redis;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KosmosG.Service.Api;

/// <summary>With KosmosG:Jobs:Redis, not ready while Redis does not answer: nothing could be queued or found.</summary>
public sealed class SharedStoreHealthCheck(IServiceProvider services, RedisJobs redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        !QueueRegistration.UsesRedis(services) ? HealthCheckResult.Healthy("ready")
        : await redis.PingAsync() ? HealthCheckResult.Healthy("ready", new Dictionary<string, object> { ["redis"] = "ready" })
        : HealthCheckResult.Unhealthy("redis unavailable", data: new Dictionary<string, object> { ["redis"] = "unavailable" });
}

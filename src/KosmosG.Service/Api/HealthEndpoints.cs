using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KosmosG.Service.Api;

/// <summary>
/// GET /health/live: the process answers (200). GET /health/ready: 200 once every worker loaded its model and ran
/// a warm-up generation; 503 (with Retry-After) while loading, while a worker's circuit is open, and while draining.
/// </summary>
public static class HealthEndpoints
{
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";
    public const string ReadyTag = "ready";

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync })
            .WithTags("Health").WithSummary("Liveness: 200 while the process serves HTTP");
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync })
            .WithTags("Health").WithSummary("Readiness: 200 when models are loaded and warmed up; 503 while loading, paused or draining");
        return app;
    }

    static Task WriteAsync(HttpContext http, HealthReport report)
    {
        if (report.Status != HealthStatus.Healthy) http.Response.Headers.RetryAfter = "5";
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Entries.Values.Where(e => e.Status != HealthStatus.Healthy).Concat(report.Entries.Values)
                .Select(e => e.Description).FirstOrDefault() ?? "live",
            workers = report.Entries.Values.SelectMany(e => e.Data).ToDictionary(p => p.Key, p => p.Value),
        }));
    }
}

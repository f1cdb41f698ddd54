using OpenTelemetry.Metrics;

namespace KosmosG.Service.Observability;

public static class ObservabilityRegistration
{
    /// <summary>The service's meter plus ASP.NET Core's own HTTP and Kestrel meters, exported for Prometheus (/metrics).</summary>
    public static IServiceCollection AddKosmosGObservability(this IServiceCollection services)
    {
        services.AddSingleton<ServiceMetrics>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(ServiceMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            .AddPrometheusExporter());
        return services;
    }
}

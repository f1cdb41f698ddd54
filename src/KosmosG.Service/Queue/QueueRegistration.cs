using KosmosG.Service.Catalog;
using KosmosG.Service.Options;
using KosmosG.Service.Webhooks;
using Microsoft.Extensions.Options;
using KosmosG.Service.Queue.Redis;

namespace KosmosG.Service.Queue;

public static class QueueRegistration
{
    /// <summary>The queue and job store (shared on Redis when KosmosG:Jobs:Redis is set, else in this process),
    /// admission, and the catalog the workers publish to.</summary>
    public static IServiceCollection AddKosmosGQueue(this IServiceCollection services)
    {
        services.AddSingleton<ModelCatalog>();
        services.AddHttpClient(nameof(WebhookSender)).ConfigurePrimaryHttpMessageHandler(() => new HttpClientHandler { AllowAutoRedirect = false });
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<RedisJobs>();
        services.AddSingleton<IJobQueue>(sp => UsesRedis(sp)
            ? ActivatorUtilities.CreateInstance<RedisJobQueue>(sp)
            : ActivatorUtilities.CreateInstance<JobQueue>(sp));
        services.AddSingleton<IJobStore>(sp => UsesRedis(sp)
            ? ActivatorUtilities.CreateInstance<RedisJobStore>(sp)
            : ActivatorUtilities.CreateInstance<InMemoryJobStore>(sp));
        services.AddSingleton<DrainRate>();
        services.AddSingleton<Admission>();
        return services;
    }

    /// <summary>Decided from the bound options (not the raw configuration), so every configuration source counts.</summary>
    public static bool UsesRedis(IServiceProvider services) =>
        !string.IsNullOrWhiteSpace(services.GetRequiredService<IOptions<KosmosGOptions>>().Value.Jobs.Redis);
}

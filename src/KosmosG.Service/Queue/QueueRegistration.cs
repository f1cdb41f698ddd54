using KosmosG.Service.Catalog;

namespace KosmosG.Service.Queue;

public static class QueueRegistration
{
    /// <summary>The queue, the in-memory job store, admission, and the catalog the workers publish to.</summary>
    public static IServiceCollection AddKosmosGQueue(this IServiceCollection services)
    {
        services.AddSingleton<ModelCatalog>();
        services.AddSingleton<JobQueue>();
        services.AddSingleton<IJobStore, InMemoryJobStore>();
        services.AddSingleton<DrainRate>();
        services.AddSingleton<Admission>();
        return services;
    }
}

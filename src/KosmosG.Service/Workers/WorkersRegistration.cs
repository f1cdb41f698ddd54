namespace KosmosG.Service.Workers;

public static class WorkersRegistration
{
    /// <summary>The worker pool (a hosted service) with the default model factory.</summary>
    public static IServiceCollection AddKosmosGWorkers(this IServiceCollection services)
    {
        services.AddSingleton<IImageGeneratorFactory, ImageGeneratorFactory>();
        services.AddSingleton<WorkerPool>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkerPool>());
        return services;
    }
}

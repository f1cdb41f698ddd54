using KosmosG.Service.Imaging;

namespace KosmosG.Service.Jobs;

public static class JobsRegistration
{
    /// <summary>The queue, the store, admission, and the worker pool (a hosted service) with the default model factory.</summary>
    public static IServiceCollection AddKosmosGJobs(this IServiceCollection services)
    {
        services.AddSingleton<JobQueue>();
        services.AddSingleton<JobStore>();
        services.AddSingleton<DrainRate>();
        services.AddSingleton<Admission>();
        services.AddSingleton<IImageGeneratorFactory, ImageGeneratorFactory>();
        services.AddSingleton<IImageIntake, DecoderImageIntake>();
        services.AddSingleton<WorkerPool>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkerPool>());
        return services;
    }
}

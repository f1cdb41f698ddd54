using KosmosG.Pipelines;
using Microsoft.Extensions.Options;

namespace KosmosG.Service.Options;

public static class OptionsRegistration
{
    /// <summary>Binds "KosmosG" and validates it when the host starts, so a bad value stops start-up naming its key.</summary>
    public static IServiceCollection AddKosmosGOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<KosmosGOptions>().Bind(configuration.GetSection(KosmosGOptions.Section)).ValidateOnStart()
            .PostConfigure(o =>
            {
                o.Workers.Devices = o.Workers.Devices.Length == 0 ? ["cpu"] : o.Workers.Devices;
                // No model configured: serve the demo model shipped in the repository.
                if (string.IsNullOrWhiteSpace(o.Model.Path))
                    o.Model.Path = BuiltInModel.Locate() ?? "";
            });
        services.AddSingleton<IValidateOptions<KosmosGOptions>, KosmosGOptionsValidator>();
        // Host shutdown must outlast the drain, or in-flight requests would be cut before their jobs end.
        services.AddOptions<HostOptions>().Configure<IOptions<KosmosGOptions>>((host, kosmos) =>
            host.ShutdownTimeout = TimeSpan.FromSeconds(kosmos.Value.Shutdown.DrainSeconds + 15));
        return services;
    }
}

using KosmosG.Service.Workers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace KosmosG.Service.Tests.Support;

/// <summary>
/// The real service in-process (WebApplicationFactory, real HTTP through its client) with the test generator in
/// place of the model loader. Settings are "KosmosG:..." keys over appsettings.json; defaults keep tests fast.
/// </summary>
public sealed class ServiceFactory : WebApplicationFactory<Program>
{
    public Dictionary<string, string?> Settings { get; } = new()
    {
        ["KosmosG:Model:Path"] = "test-model",
        ["KosmosG:Workers:WarmupSteps"] = "1",
        ["KosmosG:Queue:Capacity"] = "8",
        ["KosmosG:Limits:MaxPromptChars"] = "200",
        ["KosmosG:Limits:MaxImages"] = "3",
        ["KosmosG:Limits:MaxImageBytes"] = "65536",
        ["KosmosG:Limits:MaxImagePixels"] = "262144",
        ["KosmosG:Shutdown:DrainSeconds"] = "5",
        ["KosmosG:RateLimit:PermitsPerWindow"] = "0",
    };

    public TestGeneratorOptions Generator { get; } = new();
    public TestGeneratorFactory Generators { get; }
    /// <summary>More service registrations for one test (e.g. a startup filter standing in for the network).</summary>
    public Action<IServiceCollection>? ExtraServices { get; set; }
    /// <summary>False: the real model loader, for KosmosG:Model:Path set to a real model folder.</summary>
    public bool UseTestGenerator { get; set; } = true;

    public ServiceFactory(Action<ServiceFactory>? configure = null)
    {
        Generators = new TestGeneratorFactory(Generator);
        configure?.Invoke(this);
    }

    public string this[string key]
    {
        set => Settings["KosmosG:" + key] = value;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(Settings));
        builder.ConfigureLogging(logging => logging.ClearProviders().SetMinimumLevel(LogLevel.Warning));
        builder.ConfigureTestServices(services =>
        {
            if (UseTestGenerator)
            {
                services.RemoveAll<IImageGeneratorFactory>();
                services.AddSingleton<IImageGeneratorFactory>(Generators);
            }
            ExtraServices?.Invoke(services);
        });
    }

    /// <summary>A client once /health/ready says 200 (models loaded and warmed up); real models get longer. The first
    /// host of a test process also loads libtorch and JIT-compiles the service: 13 s was seen on the loaded CI machine.</summary>
    public async Task<HttpClient> ReadyClientAsync()
    {
        var client = CreateClient();
        await Wait.UntilAsync(async () => (await client.GetAsync("/health/ready")).IsSuccessStatusCode, "the service to become ready",
            UseTestGenerator ? 30 : 120);
        return client;
    }
}

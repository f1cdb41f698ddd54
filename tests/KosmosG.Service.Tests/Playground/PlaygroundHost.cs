using KosmosG.Service.Tests.Support;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using PuppeteerSharp;

namespace KosmosG.Service.Tests.Playground;

/// <summary>
/// The service on a real Kestrel port (a browser cannot reach the in-memory test server) and one headless
/// Chromium, Debian's <c>chromium</c> package (.ci/run installs it), driven over the DevTools protocol.
/// </summary>
public sealed class PlaygroundHost(ServiceFactory factory, IBrowser browser, Uri address) : IAsyncDisposable
{
    /// <summary>Where each scenario's screenshot goes (KOSMOSG_TEST_ARTIFACTS, else beside the test binaries).</summary>
    public static string ArtifactsDirectory { get; } = Directory.CreateDirectory(Path.Combine(
        Environment.GetEnvironmentVariable("KOSMOSG_TEST_ARTIFACTS") ?? Path.Combine(AppContext.BaseDirectory, "artifacts"),
        "playground")).FullName;

    public ServiceFactory Factory { get; } = factory;
    public IBrowser Browser { get; } = browser;
    public Uri Address { get; } = address;

    /// <summary>An HTTP client on the same Kestrel address the browser uses.</summary>
    public HttpClient Client() => new() { BaseAddress = Address };

    public static async Task<PlaygroundHost> StartAsync(ServiceFactory factory)
    {
        factory.UseKestrel(0);
        factory.StartServer();
        var address = new Uri(factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        using (var client = new HttpClient { BaseAddress = address })
            await Wait.UntilAsync(async () => (await client.GetAsync("/health/ready")).IsSuccessStatusCode, "the service to become ready", 120);
        var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = ChromiumPath(),
            Headless = true,
            // Root (CI) needs --no-sandbox; /dev/shm may be small in containers.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        return new PlaygroundHost(factory, browser, address);
    }

    /// <summary>A fresh page in its own browser context (empty localStorage), with console and network recorded.</summary>
    public async Task<PlaygroundPage> OpenAsync(int width = 1280, int height = 900, bool waitForModel = true, Func<IPage, Task>? beforeLoad = null)
    {
        var context = await Browser.CreateBrowserContextAsync();
        return await PlaygroundPage.OpenAsync(context, Address, width, height, waitForModel, beforeLoad);
    }

    static string ChromiumPath()
    {
        var candidates = new[] { Environment.GetEnvironmentVariable("CHROMIUM_PATH"), "/usr/bin/chromium", "/usr/bin/chromium-browser" };
        return candidates.FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p))
               ?? throw new FileNotFoundException(
                   "Chromium not found: install Debian's package (apt-get install -y chromium, as .ci/run does) or set CHROMIUM_PATH.");
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.CloseAsync();
        Browser.Dispose();
        await Factory.DisposeAsync();
    }
}

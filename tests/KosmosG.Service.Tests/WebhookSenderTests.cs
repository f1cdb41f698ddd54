using KosmosG.Service.Observability;
using KosmosG.Service.Options;
using KosmosG.Service.Queue;
using KosmosG.Service.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace KosmosG.Service.Tests;

/// <summary>The webhook allow-list on its own: which addresses pass, including the "*." subdomain form's boundary.</summary>
public sealed class WebhookSenderTests
{
    static WebhookSender Sender(params string[] allowed)
    {
        var settings = allowed.Select((host, i) => KeyValuePair.Create($"KosmosG:Webhooks:AllowedHosts:{i}", (string?)host))
            .Append(KeyValuePair.Create("KosmosG:Webhooks:Secret", (string?)"webhook-test-secret-0123456789"));
        return new ServiceCollection().AddLogging().AddMetrics().AddSingleton<ServiceMetrics>()
            .AddKosmosGOptions(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .AddKosmosGQueue().BuildServiceProvider().GetRequiredService<WebhookSender>();
    }

    [Theory]
    [InlineData("https://hooks.example.com/done", true)]
    [InlineData("https://a.b.example.com/done", true)]
    [InlineData("https://HOOKS.EXAMPLE.COM/done", true)]
    [InlineData("https://evilexample.com/done", false)]      // ends with "example.com" but is no subdomain of it
    [InlineData("https://example.com.evil.net/done", false)]
    [InlineData("https://user:pw@hooks.example.com/done", false)] // credentials in the URL
    [InlineData("ftp://hooks.example.com/done", false)]
    [InlineData("https://api.internal:8443/hook", true)]
    [InlineData("https://api.internal/hook", false)]          // the allowed entry names port 8443 only
    public void Only_allowed_hosts_pass(string url, bool allowed)
    {
        var refusal = Sender("*.example.com", "api.internal:8443").Refusal(url);
        Assert.True(allowed == refusal is null, $"{url}: {refusal ?? "allowed"}");
    }

    [Fact]
    public void Without_allowed_hosts_every_address_is_refused() =>
        Assert.Contains("not enabled", Sender().Refusal("https://hooks.example.com/done"));
}

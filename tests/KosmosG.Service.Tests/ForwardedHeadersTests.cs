using System.Net;
using System.Text;
using KosmosG.Service.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace KosmosG.Service.Tests;

/// <summary>X-Forwarded-Proto/-Host make the OpenAI urls only when the request comes from a configured proxy.</summary>
public sealed class ForwardedHeadersTests
{
    /// <summary>Every request arrives from this address (TestServer has no network of its own).</summary>
    sealed class FromAddress(IPAddress address) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((http, inner) =>
            {
                http.Connection.RemoteIpAddress = address;
                return inner(http);
            });
            next(app);
        };
    }

    static async Task<string> UrlAsync(string? knownProxy)
    {
        await using var factory = new ServiceFactory(f =>
        {
            if (knownProxy is not null) f["Proxy:KnownProxies:0"] = knownProxy;
            f.ExtraServices = s => s.AddSingleton<IStartupFilter>(new FromAddress(IPAddress.Parse("10.1.2.3")));
        });
        var client = await factory.ReadyClientAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/images/generations")
        {
            Content = new StringContent("""{"prompt": "a", "steps": 1, "response_format": "url"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-Host", "images.example.com");
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (string)(await response.JsonAsync())["data"]![0]!["url"]!;
    }

    [Fact]
    public async Task A_known_proxy_sets_the_scheme_and_host_of_returned_urls()
    {
        Assert.StartsWith("https://images.example.com/v1/jobs/", await UrlAsync("10.1.2.3"));
    }

    [Fact]
    public async Task Forwarded_headers_from_anyone_else_are_ignored()
    {
        Assert.StartsWith("http://localhost/v1/jobs/", await UrlAsync(null));
    }
}

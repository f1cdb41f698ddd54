using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using KosmosG.Service.Tests.Support;

namespace KosmosG.Service.Tests;

/// <summary>Hashed API keys with Bearer auth, per-key job visibility, and per-key rate limits.</summary>
public sealed class SecurityTests : IAsyncLifetime
{
    static string Sha256(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key))).ToLowerInvariant();

    readonly ServiceFactory _factory = new(f =>
    {
        f["Auth:Keys:0:Name"] = "alice";
        f["Auth:Keys:0:Sha256"] = Sha256("alice-secret");
        f["Auth:Keys:1:Name"] = "bob";
        f["Auth:Keys:1:Sha256"] = Sha256("bob-secret");
        f["RateLimit:PermitsPerWindow"] = "3";
        f["RateLimit:WindowSeconds"] = "60";
    });
    HttpClient _anonymous = null!;

    public async Task InitializeAsync() => _anonymous = await _factory.ReadyClientAsync();

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    HttpClient As(string key)
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    [Fact]
    public async Task Api_endpoints_need_a_valid_key_but_health_metrics_and_docs_do_not()
    {
        var missing = await _anonymous.SendAsync(Call.Generation(new { prompt = "a" }));
        await missing.AssertProblemAsync(401, "Authorization", "unauthorized");
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.Single().Scheme);
        await (await As("wrong").SendAsync(Call.Generation(new { prompt = "a" }))).AssertProblemAsync(401, "Authorization");
        await (await _anonymous.GetAsync("/v1/models")).AssertProblemAsync(401);

        foreach (var open in new[] { "/health/live", "/health/ready", "/metrics", "/openapi/v1.json" })
            Assert.Equal(200, (int)(await _anonymous.GetAsync(open)).StatusCode);

        Assert.Equal(200, (int)(await As("alice-secret").SendAsync(Call.Generation(new { prompt = "a" }))).StatusCode);
    }

    [Fact]
    public async Task A_job_is_visible_only_to_the_key_that_created_it()
    {
        var id = await As("alice-secret").SubmitAsyncJob(new { prompt = "mine" });
        Assert.Equal(200, (int)(await As("alice-secret").GetAsync($"/v1/jobs/{id}")).StatusCode);
        await (await As("bob-secret").GetAsync($"/v1/jobs/{id}")).AssertProblemAsync(404, "id");
        await (await As("bob-secret").PostAsync($"/v1/jobs/{id}/cancel", null)).AssertProblemAsync(404, "id");
    }

    [Fact]
    public async Task An_idempotency_key_is_scoped_to_the_api_key_that_sent_it()
    {
        async Task<(string Id, bool Replayed)> PostAsync(string apiKey)
        {
            var request = Call.Generation(new { prompt = "once", steps = 1 }, async: true);
            request.Headers.Add("Idempotency-Key", "order-7");
            var response = await As(apiKey).SendAsync(request);
            Assert.Equal(202, (int)response.StatusCode);
            return ((string)(await response.JsonAsync())["id"]!, response.Headers.Contains("Idempotent-Replayed"));
        }
        var alice = await PostAsync("alice-secret");
        // bob's request with the same key is his own job, not a replay of alice's (which he could then read)
        var bob = await PostAsync("bob-secret");
        Assert.False(bob.Replayed);
        Assert.NotEqual(alice.Id, bob.Id);
        Assert.Equal((alice.Id, true), await PostAsync("alice-secret"));
    }

    [Fact]
    public async Task Each_key_has_its_own_rate_limit()
    {
        var bob = As("bob-secret");
        for (var i = 0; i < 3; i++)
            Assert.Equal(200, (int)(await bob.SendAsync(Call.Generation(new { prompt = "a", steps = 1 }))).StatusCode);
        var limited = await bob.SendAsync(Call.Generation(new { prompt = "a", steps = 1 }));
        await limited.AssertProblemAsync(429, code: "rate_limited");
        Assert.True(limited.Headers.RetryAfter!.Delta > TimeSpan.Zero);
        // polling is not rate limited, and another key is unaffected
        Assert.NotEqual(429, (int)(await bob.GetAsync("/v1/models")).StatusCode);
        var alice = As("alice-secret");
        Assert.Equal(200, (int)(await alice.PostAsync("/v1/images/generations",
            new StringContent("""{"prompt": "a"}""", Encoding.UTF8, "application/json"))).StatusCode);
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using KosmosG.Service.Tests.Support;

namespace KosmosG.Service.Tests;

/// <summary>
/// webhook_url against a real HTTP receiver (HttpListener on loopback): called once the job ends, signed with the
/// configured secret, retried after a failing answer; addresses the operator did not allow are a 400.
/// </summary>
public sealed class WebhookTests : IDisposable
{
    const string Secret = "webhook-test-secret-0123456789";
    readonly HttpListener _listener = new();
    readonly ConcurrentQueue<(string Body, string Signature)> _received = new();
    readonly int _port = RedisServer.FreePort();
    int _calls;
    int _firstAnswer = 503;

    public WebhookTests()
    {
        _listener.Prefixes.Add($"http://127.0.0.1:{_port}/");
        _listener.Start();
        _ = ServeAsync();
    }

    /// <summary>Answers the first call with <see cref="_firstAnswer"/> (so the sender must retry), later ones 204.</summary>
    async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            using var reader = new StreamReader(context.Request.InputStream);
            _received.Enqueue((await reader.ReadToEndAsync(), context.Request.Headers["KosmosG-Signature"] ?? ""));
            context.Response.StatusCode = Interlocked.Increment(ref _calls) == 1 ? _firstAnswer : 204;
            context.Response.Close();
        }
    }

    ServiceFactory Service() => new(f =>
    {
        f["Webhooks:AllowedHosts:0"] = $"127.0.0.1:{_port}";
        f["Webhooks:Secret"] = Secret;
        f["Webhooks:RetryDelaySeconds"] = "0.05";
    });

    /// <summary>500 is the lowest status retried as a server error; 429 asks to come back later.</summary>
    [Theory]
    [InlineData(500)]
    [InlineData(429)]
    public async Task A_finished_job_calls_its_webhook_signed_and_retried_after_a_failure(int firstAnswer)
    {
        _firstAnswer = firstAnswer;
        await using var factory = Service();
        var client = await factory.ReadyClientAsync();
        var id = await client.SubmitAsyncJob(new { prompt = "hook", steps = 2, seed = 3, webhook_url = $"http://127.0.0.1:{_port}/done" });
        await Wait.UntilAsync(() => _received.Count >= 2, "the webhook to be retried and delivered");

        Assert.Equal(2, _received.Count);
        var (body, signature) = _received.Last();
        var json = JsonNode.Parse(body)!;
        Assert.Equal((id, "succeeded"), ((string?)json["id"], (string?)json["state"]));
        Assert.Equal($"/v1/jobs/{id}/images/0", (string?)json["images"]![0]!["url"]);
        var timestamp = signature.Split(',')[0][2..];
        // Unix seconds, as receivers compare it with their clock to reject replays.
        Assert.InRange(long.Parse(timestamp), DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 600, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));
        Assert.Equal($"t={timestamp},v1={expected}", signature);
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://127.0.0.1:1/other-port")]
    [InlineData("file:///etc/passwd")]
    public async Task A_webhook_to_an_address_the_operator_did_not_allow_is_400(string url)
    {
        await using var factory = Service();
        var client = await factory.ReadyClientAsync();
        var response = await client.SendAsync(Call.Generation(new { prompt = "hook", steps = 1, webhook_url = url }, async: true));
        await response.AssertProblemAsync(400, field: "webhook_url");
        Assert.Empty(_received);
    }

    public void Dispose() => _listener.Close();
}

using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using KosmosG.Service.Observability;
using KosmosG.Service.Options;
using KosmosG.Service.Queue;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace KosmosG.Service.Webhooks;

/// <summary>
/// Calls a job's webhook_url once the job ended: a JSON POST of the job's id, state, error and image paths, signed
/// with HMAC-SHA256 over "{timestamp}.{body}" under KosmosG:Webhooks:Secret (header KosmosG-Signature: t=..,v1=hex),
/// retried with backoff (Polly) on network errors, 408, 429 and 5xx. Redirects are not followed: the request goes
/// only to the address that passed the allow-list at admission.
/// </summary>
public sealed class WebhookSender
{
    public const string SignatureHeader = "KosmosG-Signature";
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    readonly HttpClient _http;
    readonly WebhookOptions _options;
    readonly ResiliencePipeline<HttpResponseMessage> _retry;
    readonly ServiceMetrics _metrics;
    readonly ILogger _logger;

    public WebhookSender(IHttpClientFactory clients, IOptions<KosmosGOptions> options, ServiceMetrics metrics, ILogger<WebhookSender> logger)
    {
        _http = clients.CreateClient(nameof(WebhookSender));
        _options = options.Value.Webhooks;
        _metrics = metrics;
        _logger = logger;
        _retry = new ResiliencePipelineBuilder<HttpResponseMessage>().AddRetry(new RetryStrategyOptions<HttpResponseMessage>
        {
            MaxRetryAttempts = _options.MaxRetries,
            Delay = TimeSpan.FromSeconds(_options.RetryDelaySeconds),
            BackoffType = DelayBackoffType.Exponential,
            ShouldHandle = new PredicateBuilder<HttpResponseMessage>().Handle<HttpRequestException>().Handle<TaskCanceledException>()
                .HandleResult(r => r.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)r.StatusCode >= 500),
        }).AddTimeout(TimeSpan.FromSeconds(_options.TimeoutSeconds)).Build();
    }

    /// <summary>Null when <paramref name="url"/> may be called, else why not (for a 400 naming webhook_url).</summary>
    public string? Refusal(string url)
    {
        if (_options.AllowedHosts.Length == 0) return "Webhooks are not enabled here (KosmosG:Webhooks:AllowedHosts is empty).";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.UserInfo != "")
            return "webhook_url must be an absolute http or https URL without credentials.";
        var host = uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}";
        return _options.AllowedHosts.Any(a => string.Equals(a, host, StringComparison.OrdinalIgnoreCase) ||
                                              a.StartsWith("*.") && uri.Host.EndsWith(a[1..], StringComparison.OrdinalIgnoreCase))
            ? null
            : $"webhook_url's host '{host}' is not one the operator allowed.";
    }

    /// <summary>Sends in the background; a job without a webhook is ignored.</summary>
    public void Notify(Job job)
    {
        if (job.Webhook is not { } url) return;
        _ = SendAsync(job, url);
    }

    async Task SendAsync(Job job, string url)
    {
        var body = JsonSerializer.Serialize(new
        {
            Id = job.Id,
            State = job.State.ToString().ToLowerInvariant(),
            Error = job.Error is var (type, message) ? new { Type = type, Message = message } : null,
            Images = job.Images.Select(i => new { i.Index, i.Seed, Url = $"/v1/jobs/{job.Id}/images/{i.Index}" }),
        }, Json);
        try
        {
            using var response = await _retry.ExecuteAsync(async ct =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.Add(SignatureHeader, Signature(body, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
                return await _http.SendAsync(request, ct);
            });
            if (!response.IsSuccessStatusCode) throw new HttpRequestException($"answered {(int)response.StatusCode}");
        }
        catch (Exception e)
        {
            _metrics.WebhookFailed();
            _logger.LogWarning("Webhook of job {JobId} failed after retries: {Message}", job.Id, e.Message);
        }
    }

    /// <summary>"t={unix seconds},v1={hex HMAC-SHA256 of "t.body"}": receivers recompute it and reject old timestamps.</summary>
    public string Signature(string body, long timestamp)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(_options.Secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}"));
        return $"t={timestamp},v1={Convert.ToHexStringLower(mac)}";
    }
}

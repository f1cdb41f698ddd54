using KosmosG.Adapters;
using KosmosG.Pipelines;

namespace KosmosG.Service.Options;

/// <summary>
/// Everything configurable, bound from the "KosmosG" section (appsettings.json, then environment variables such as
/// KosmosG__Queue__Capacity). The section classes live here together because they are one configuration tree and
/// the README's Configuration table lists them in the same order.
/// </summary>
public sealed class KosmosGOptions
{
    public const string Section = "KosmosG";

    public ModelOptions Model { get; set; } = new();
    public WorkersOptions Workers { get; set; } = new();
    public QueueOptions Queue { get; set; } = new();
    public LimitsOptions Limits { get; set; } = new();
    public JobsOptions Jobs { get; set; } = new();
    public DeadlineOptions Deadline { get; set; } = new();
    public ResilienceOptions Resilience { get; set; } = new();
    public AuthOptions Auth { get; set; } = new();
    public RateLimitOptions RateLimit { get; set; } = new();
    public ProxyOptions Proxy { get; set; } = new();
    public WebhookOptions Webhooks { get; set; } = new();
    public ShutdownOptions Shutdown { get; set; } = new();
    public ApiOptions Api { get; set; } = new();
    public AdaptersOptions Adapters { get; set; } = new();
}

public sealed class ModelOptions
{
    /// <summary>A KOSMOS-G model folder or a diffusers Stable Diffusion folder; empty: the built-in demo model.</summary>
    public string Path { get; set; } = "";
    /// <summary>fp32, bf16 or fp16.</summary>
    public string DType { get; set; } = "fp32";
}

public sealed class WorkersOptions
{
    /// <summary>One worker (dedicated thread, own loaded model) per entry: "cpu", "cuda", "cuda:1". Empty means ["cpu"]
    /// (the default is applied after binding, because binding appends configured arrays to an initial value).</summary>
    public string[] Devices { get; set; } = [];
    /// <summary>Denoising steps of the warm-up generation each worker runs before it reports ready.</summary>
    public int WarmupSteps { get; set; } = 2;
    /// <summary>A worker holding a job that reports no progress (denoising step, finished image) for this long is
    /// wedged: readiness turns 503 until it moves again. 0 disables the check.</summary>
    public double StallSeconds { get; set; } = 300;
}

public sealed class QueueOptions
{
    /// <summary>Jobs waiting for a worker (running jobs are not counted); more are refused with 429.</summary>
    public int Capacity { get; set; } = 16;
}

/// <summary>The generation settings' ranges (<see cref="GenerationLimits"/>, whose initial values are the service's
/// defaults) plus what bounds the input images.</summary>
public sealed record LimitsOptions : GenerationLimits
{
    public int MaxImages { get; init; } = 8;
    public int MaxImageBytes { get; init; } = 10 * 1024 * 1024;
    public long MaxImagePixels { get; init; } = 16_777_216;
}

public sealed class JobsOptions
{
    /// <summary>How long a finished job (and its images) can still be fetched.</summary>
    public double RetentionSeconds { get; set; } = 900;
    /// <summary>At most this many finished jobs are kept; the oldest go first (in-process store only: Redis keeps
    /// each finished job for RetentionSeconds).</summary>
    public int MaxRetained { get; set; } = 1000;
    /// <summary>A StackExchange.Redis connection string ("redis:6379"): jobs, queue and events shared by every replica
    /// using it. Empty: jobs live in this process.</summary>
    public string Redis { get; set; } = "";
    /// <summary>Prefix of every Redis key, so several deployments can share one Redis.</summary>
    public string RedisKeyPrefix { get; set; } = "kosmosg:";
    /// <summary>A running job's lease: a replica that stops renewing it (it died) loses the job to another replica
    /// after this long; the job then runs again from the start, with the same seed.</summary>
    public double LeaseSeconds { get; set; } = 30;
    /// <summary>With Redis: a folder every replica mounts (a shared volume) where finished PNGs are written instead of
    /// into Redis; they are deleted when their job expires. Empty: the PNGs live in Redis with the job's events.</summary>
    public string ResultsFolder { get; set; } = "";
}

public sealed class DeadlineOptions
{
    /// <summary>Deadline of a request that names none (queue wait + generation).</summary>
    public double DefaultSeconds { get; set; } = 300;
    /// <summary>Largest deadline a request may ask for.</summary>
    public double MaxSeconds { get; set; } = 1800;
}

public sealed class ResilienceOptions
{
    /// <summary>Polly timeout of one generation attempt on a worker.</summary>
    public double GenerationTimeoutSeconds { get; set; } = 600;
    /// <summary>Retries after a transient device error (out of device memory) before the job fails.</summary>
    public int TransientRetries { get; set; } = 1;
    /// <summary>Failure ratio over the sampling window that opens a worker's circuit (takes it out of readiness).</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;
    public int BreakerMinimumThroughput { get; set; } = 4;
    public double BreakerSamplingSeconds { get; set; } = 60;
    public double BreakerBreakSeconds { get; set; } = 30;
}

/// <summary>The reverse proxies / load balancers in front of the service whose X-Forwarded-For, -Proto and -Host are
/// believed (client address for rate limits, scheme and host for returned urls); from anyone else they are ignored.</summary>
/// <summary>Job webhooks (webhook_url): where they may go and how they are signed and retried.</summary>
public sealed class WebhookOptions
{
    /// <summary>Hosts (host or host:port; "*.example.com" for subdomains) a webhook_url may name; empty: no webhooks.</summary>
    public string[] AllowedHosts { get; set; } = [];
    /// <summary>The HMAC-SHA256 key of the KosmosG-Signature header (set it from a secret).</summary>
    public string Secret { get; set; } = "";
    public int MaxRetries { get; set; } = 4;
    public double RetryDelaySeconds { get; set; } = 1;
    public double TimeoutSeconds { get; set; } = 10;
}

public sealed class ProxyOptions
{
    /// <summary>Proxy addresses, e.g. ["10.0.0.10"]. Loopback is always trusted.</summary>
    public string[] KnownProxies { get; set; } = [];
    /// <summary>Proxy networks in CIDR notation, e.g. ["10.0.0.0/8"].</summary>
    public string[] KnownNetworks { get; set; } = [];
}

public sealed class AuthOptions
{
    /// <summary>Accepted API keys, stored as SHA-256 hashes; no keys means no authentication.</summary>
    public ApiKeyOptions[] Keys { get; set; } = [];
}

public sealed class ApiKeyOptions
{
    /// <summary>Who the key belongs to (logged, used as the rate-limit partition).</summary>
    public string Name { get; set; } = "";
    /// <summary>Lower-case hex SHA-256 of the key (e.g. `printf %s "$KEY" | sha256sum`).</summary>
    public string Sha256 { get; set; } = "";
}

public sealed class RateLimitOptions
{
    /// <summary>Generation requests each key (or client address, without keys) may make per window; 0 disables.</summary>
    public int PermitsPerWindow { get; set; } = 120;
    public double WindowSeconds { get; set; } = 60;
}

public sealed class ShutdownOptions
{
    /// <summary>On shutdown: how long in-flight and queued jobs may still finish before they are cancelled.</summary>
    public double DrainSeconds { get; set; } = 30;
}

public sealed class ApiOptions
{
    /// <summary>The service's public address for links it returns (response_format "url"), e.g.
    /// https://images.example.com/kosmos; empty: the scheme and host a trusted proxy (Proxy) forwarded, else the address the request arrived on.
    /// Never the request's Host header, which any client sets.</summary>
    public string PublicBaseUrl { get; set; } = "";
}

/// <summary>Where requests' LoRAs and ControlNets are found by name (the model folder's loras/ and controlnets/ always),
/// how many stay loaded per worker, and how many one request may use.</summary>
public sealed class AdaptersOptions
{
    public string[] LoraFolders { get; set; } = [];
    public string[] ControlNetFolders { get; set; } = [];
    public int LoraCacheSize { get; set; } = 8;
    public int ControlNetCacheSize { get; set; } = 4;
    public int MaxLoras { get; set; } = 8;
    public int MaxControlNets { get; set; } = 4;

    /// <summary>Core's options; names are never paths in the service.</summary>
    public AdapterOptions ToCore() => new()
    {
        LoraFolders = LoraFolders, ControlNetFolders = ControlNetFolders, AllowPaths = false,
        LoraCacheSize = LoraCacheSize, ControlNetCacheSize = ControlNetCacheSize, MaxLoras = MaxLoras, MaxControlNets = MaxControlNets,
    };
}

using KosmosG.Pipelines;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace KosmosG.Service.Options;

/// <summary>Checks the whole "KosmosG" section at start-up; every failure names the configuration key to fix.</summary>
public sealed partial class KosmosGOptionsValidator : IValidateOptions<KosmosGOptions>
{
    static readonly string[] DTypes = ["fp32", "bf16", "fp16"];

    public ValidateOptionsResult Validate(string? name, KosmosGOptions o)
    {
        var errors = new List<string>();
        void Require(bool ok, string key, string message)
        {
            if (!ok) errors.Add($"{KosmosGOptions.Section}:{key}: {message}");
        }

        Require(!string.IsNullOrWhiteSpace(o.Model.Path), "Model:Path",
            $"must name a KOSMOS-G or diffusers Stable Diffusion model folder (none configured and no built-in {BuiltInModel.RelativePath} found); " +
            "set it in appsettings.json or as the environment variable KosmosG__Model__Path");
        Require(DTypes.Contains(o.Model.DType), "Model:DType", $"'{o.Model.DType}' is not one of {string.Join(", ", DTypes)}");

        Require(o.Workers.Devices.Length > 0, "Workers:Devices", "needs at least one device, e.g. [\"cpu\"] or [\"cuda:0\",\"cuda:1\"]");
        for (var i = 0; i < o.Workers.Devices.Length; i++)
            Require(DevicePattern().IsMatch(o.Workers.Devices[i]), $"Workers:Devices:{i}",
                $"'{o.Workers.Devices[i]}' is not a device (cpu, cuda or cuda:N)");
        Require(o.Workers.Devices.Distinct().Count() == o.Workers.Devices.Length, "Workers:Devices", "lists a device twice");
        Require(o.Workers.WarmupSteps >= 1, "Workers:WarmupSteps", "must be at least 1");

        Require(o.Workers.StallSeconds >= 0, "Workers:StallSeconds", "must not be negative (0 disables the check)");

        Require(o.Queue.Capacity >= 1, "Queue:Capacity", $"must be at least 1 (is {o.Queue.Capacity})");

        var l = o.Limits;
        Require(l.MaxPromptChars >= 1, "Limits:MaxPromptChars", "must be at least 1");
        Require(l.MaxImages >= 0, "Limits:MaxImages", "must not be negative");
        Require(l.MaxImageBytes >= 1024, "Limits:MaxImageBytes", "must be at least 1024");
        Require(l.MaxImagePixels >= 64 * 64, "Limits:MaxImagePixels", "must be at least 4096");
        Require(l.MinSteps >= 1 && l.MinSteps <= l.MaxSteps, "Limits:MinSteps", "must be between 1 and Limits:MaxSteps");
        Require(l.MinGuidanceScale >= 0 && l.MinGuidanceScale <= l.MaxGuidanceScale, "Limits:MinGuidanceScale",
            "must be between 0 and Limits:MaxGuidanceScale");
        Require(l.MaxN >= 1, "Limits:MaxN", "must be at least 1");
        Require(l.MinSize >= 8 && l.MinSize % 8 == 0, "Limits:MinSize", "must be a positive multiple of 8");
        Require(l.SizeMultiple >= 8 && l.SizeMultiple % 8 == 0, "Limits:SizeMultiple", "must be a positive multiple of 8 (the VAE's factor)");
        Require(l.MaxSize >= l.MinSize && l.MaxSize % 8 == 0, "Limits:MaxSize", "must be a multiple of 8 not below Limits:MinSize");

        Require(o.Jobs.RetentionSeconds > 0, "Jobs:RetentionSeconds", "must be positive");
        Require(o.Jobs.MaxRetained >= 1, "Jobs:MaxRetained", "must be at least 1");
        Require(o.Jobs.LeaseSeconds >= 0.5, "Jobs:LeaseSeconds", "must be at least 0.5");
        Require(string.IsNullOrWhiteSpace(o.Jobs.ResultsFolder) || !string.IsNullOrWhiteSpace(o.Jobs.Redis), "Jobs:ResultsFolder",
            "needs Jobs:Redis (the in-process store keeps results in memory)");
        Require(o.Webhooks.AllowedHosts.Length == 0 || o.Webhooks.Secret.Length >= 16, "Webhooks:Secret",
            "needs at least 16 characters when Webhooks:AllowedHosts allows any");
        Require(o.Webhooks.MaxRetries >= 0 && o.Webhooks.RetryDelaySeconds >= 0 && o.Webhooks.TimeoutSeconds > 0, "Webhooks",
            "MaxRetries and RetryDelaySeconds must not be negative, TimeoutSeconds must be positive");
        for (var i = 0; i < o.Proxy.KnownProxies.Length; i++)
            Require(System.Net.IPAddress.TryParse(o.Proxy.KnownProxies[i], out _), $"Proxy:KnownProxies:{i}", "is not an IP address");
        for (var i = 0; i < o.Proxy.KnownNetworks.Length; i++)
            Require(System.Net.IPNetwork.TryParse(o.Proxy.KnownNetworks[i], out _), $"Proxy:KnownNetworks:{i}", "is not a CIDR network (10.0.0.0/8)");
        Require(o.Deadline.DefaultSeconds > 0 && o.Deadline.DefaultSeconds <= o.Deadline.MaxSeconds, "Deadline:DefaultSeconds",
            "must be positive and not above Deadline:MaxSeconds");

        var r = o.Resilience;
        Require(r.GenerationTimeoutSeconds > 0, "Resilience:GenerationTimeoutSeconds", "must be positive");
        Require(r.TransientRetries >= 0, "Resilience:TransientRetries", "must not be negative");
        Require(r.BreakerFailureRatio is > 0 and <= 1, "Resilience:BreakerFailureRatio", "must be in (0, 1]");
        Require(r.BreakerMinimumThroughput >= 2, "Resilience:BreakerMinimumThroughput", "must be at least 2");
        Require(r.BreakerSamplingSeconds >= 0.5, "Resilience:BreakerSamplingSeconds", "must be at least 0.5");
        Require(r.BreakerBreakSeconds >= 0.5, "Resilience:BreakerBreakSeconds", "must be at least 0.5");

        for (var i = 0; i < o.Auth.Keys.Length; i++)
        {
            Require(!string.IsNullOrWhiteSpace(o.Auth.Keys[i].Name), $"Auth:Keys:{i}:Name", "must name the key's owner");
            Require(Sha256Pattern().IsMatch(o.Auth.Keys[i].Sha256), $"Auth:Keys:{i}:Sha256",
                "must be the 64 hex digits of the key's SHA-256 (printf %s \"$KEY\" | sha256sum)");
        }
        Require(o.RateLimit.PermitsPerWindow >= 0, "RateLimit:PermitsPerWindow", "must not be negative (0 disables)");
        Require(o.RateLimit.WindowSeconds > 0, "RateLimit:WindowSeconds", "must be positive");
        Require(o.Shutdown.DrainSeconds >= 0, "Shutdown:DrainSeconds", "must not be negative");
        Require(o.Api.PublicBaseUrl == "" || Uri.TryCreate(o.Api.PublicBaseUrl, UriKind.Absolute, out var u) && u.Scheme is "http" or "https",
            "Api:PublicBaseUrl", $"'{o.Api.PublicBaseUrl}' is not an absolute http(s) URL");
        Require(o.Adapters.LoraCacheSize >= 1, "Adapters:LoraCacheSize", "must be at least 1");
        Require(o.Adapters.ControlNetCacheSize >= 1, "Adapters:ControlNetCacheSize", "must be at least 1");
        Require(o.Adapters.MaxLoras >= 0, "Adapters:MaxLoras", "must not be negative (0: no LoRAs)");
        Require(o.Adapters.MaxControlNets >= 0, "Adapters:MaxControlNets", "must not be negative (0: no ControlNets)");

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    [GeneratedRegex("^(cpu|cuda(:[0-9]+)?)$")]
    private static partial Regex DevicePattern();

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Pattern();
}

using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using System.Threading.RateLimiting;
using KosmosG.Service.Api;
using KosmosG.Service.Observability;
using KosmosG.Service.Options;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace KosmosG.Service.Security;

public static class SecurityRegistration
{
    /// <summary>Forwarded headers from the configured proxies (KosmosG:Proxy), bearer API keys (when any are configured) and the per-key fixed-window limit on generation requests.</summary>
    public static IServiceCollection AddKosmosGSecurity(this IServiceCollection services)
    {
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(
                ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();
        services.AddOptions<AuthorizationOptions>().Configure<IOptions<KosmosGOptions>>((auth, kosmos) =>
            auth.AddPolicy(ApiPolicies.Client, policy =>
            {
                if (kosmos.Value.Auth.Keys.Length > 0) policy.RequireAuthenticatedUser();
                else policy.RequireAssertion(_ => true);
            }));

        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<KosmosGOptions>>((forwarded, kosmos) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            foreach (var proxy in kosmos.Value.Proxy.KnownProxies) forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            foreach (var network in kosmos.Value.Proxy.KnownNetworks) forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        });

        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(ApiPolicies.Generation, http =>
            {
                var o = http.RequestServices.GetRequiredService<IOptions<KosmosGOptions>>().Value.RateLimit;
                var partition = http.User.Identity?.Name is { } key ? "key:" + key : "ip:" + http.Connection.RemoteIpAddress;
                return o.PermitsPerWindow == 0
                    ? RateLimitPartition.GetNoLimiter(partition)
                    : RateLimitPartition.GetFixedWindowLimiter(partition, _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = o.PermitsPerWindow,
                        Window = TimeSpan.FromSeconds(o.WindowSeconds),
                        QueueLimit = 0,
                    });
            });
            limiter.OnRejected = async (context, _) =>
            {
                context.HttpContext.RequestServices.GetRequiredService<ServiceMetrics>().Rejected("rate_limited");
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? (int)Math.Ceiling(wait.TotalSeconds) : 1;
                await ProblemWriter.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, "rate_limited",
                    "Too many generation requests for this key; slow down.", null, Math.Max(1, retryAfter));
            };
        });
        return services;
    }
}

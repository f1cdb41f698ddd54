using System.Net;

namespace KosmosG.Service.Api.Responses;

/// <summary>
/// The connection as it arrived, recorded before the forwarded-headers middleware rewrites the remote address and
/// host for a trusted proxy (KosmosG:Proxy): links may follow X-Forwarded-Host only when such a proxy sent it.
/// Kept under a private key, so no request header can fake it.
/// </summary>
public static class ConnectionOrigin
{
    static readonly object Key = new();

    public sealed record Arrival(IPAddress? Remote, bool ForwardedHost);

    public static IApplicationBuilder UseConnectionOrigin(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        http.Items[Key] = new Arrival(http.Connection.RemoteIpAddress, http.Request.Headers.ContainsKey("X-Forwarded-Host"));
        return next(http);
    });

    public static Arrival? Of(HttpContext http) => http.Items.TryGetValue(Key, out var arrival) ? arrival as Arrival : null;
}

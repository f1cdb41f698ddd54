using System.Net;
using KosmosG.Service.Options;
using Microsoft.Extensions.Options;

namespace KosmosG.Service.Api.Responses;

/// <summary>
/// The origin of links the service returns. The request's Host header is any client's to choose, so it is never
/// used: the configured public base URL first; else X-Forwarded-Proto/-Host when the connection comes from a
/// configured proxy; else the address the connection arrived on.
/// </summary>
public sealed class PublicLinks(IOptions<KosmosGOptions> options)
{
    readonly string _base = options.Value.Api.PublicBaseUrl.TrimEnd('/');
    readonly IPAddress[] _proxies = options.Value.Api.KnownProxies.Select(IPAddress.Parse).ToArray();

    /// <summary>An absolute URL for a path of this service ("/v1/jobs/...").</summary>
    public string For(HttpContext http, string path) => Origin(http) + path;

    string Origin(HttpContext http)
    {
        if (_base != "") return _base;
        var connection = http.Connection;
        if (connection.RemoteIpAddress is { } remote && _proxies.Any(p => p.Equals(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote)) &&
            First(http.Request.Headers["X-Forwarded-Host"]) is { } host && HostString.FromUriComponent(host) is { HasValue: true } parsed)
        {
            var proto = First(http.Request.Headers["X-Forwarded-Proto"]) is "https" ? "https" : http.Request.Scheme;
            return $"{proto}://{parsed.ToUriComponent()}";
        }
        return connection.LocalIpAddress is { } local
            ? $"{http.Request.Scheme}://{new IPEndPoint(local.IsIPv4MappedToIPv6 ? local.MapToIPv4() : local, connection.LocalPort)}"
            : $"{http.Request.Scheme}://localhost"; // in-memory test server: no socket
    }

    // A proxy chain appends: the first value is what the client asked the outermost proxy for.
    static string? First(string? header) => header?.Split(',')[0].Trim() is { Length: > 0 } v ? v : null;
}

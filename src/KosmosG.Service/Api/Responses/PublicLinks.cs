using System.Net;
using KosmosG.Service.Options;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace KosmosG.Service.Api.Responses;

/// <summary>
/// The origin of links the service returns. The request's Host header is any client's to choose, so it is never
/// used: the configured public base URL first; else the scheme and host a trusted proxy (KosmosG:Proxy, applied by
/// the forwarded-headers middleware) forwarded; else the address the connection arrived on.
/// </summary>
public sealed class PublicLinks(IOptions<KosmosGOptions> options, IOptions<ForwardedHeadersOptions> forwarded)
{
    readonly string _base = options.Value.Api.PublicBaseUrl.TrimEnd('/');

    /// <summary>An absolute URL for a path of this service ("/v1/jobs/...").</summary>
    public string For(HttpContext http, string path) => Origin(http) + path;

    string Origin(HttpContext http)
    {
        if (_base != "") return _base;
        if (ConnectionOrigin.Of(http) is { ForwardedHost: true, Remote: { } remote } && Trusted(Plain(remote)))
            return $"{http.Request.Scheme}://{http.Request.Host.ToUriComponent()}";
        var connection = http.Connection;
        return connection.LocalIpAddress is { } local
            ? $"{http.Request.Scheme}://{new IPEndPoint(Plain(local), connection.LocalPort)}"
            : $"{http.Request.Scheme}://localhost"; // in-memory test server: no socket
    }

    bool Trusted(IPAddress remote) =>
        forwarded.Value.KnownProxies.Contains(remote) || forwarded.Value.KnownIPNetworks.Any(network => network.Contains(remote));

    static IPAddress Plain(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}

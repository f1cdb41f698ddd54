using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using KosmosG.Service.Api;
using KosmosG.Service.Observability;
using KosmosG.Service.Options;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace KosmosG.Service.Security;

/// <summary>
/// "Authorization: Bearer KEY" against KosmosG:Auth:Keys, which hold only SHA-256 hashes of the keys (a leaked
/// configuration does not leak usable keys). The hash is compared in constant time. A refusal is 401 problem+json
/// with WWW-Authenticate: Bearer.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<KosmosGOptions> options,
    ServiceMetrics metrics) : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    readonly (string Name, byte[] Hash)[] _keys = options.Value.Auth.Keys
        .Select(k => (k.Name, Convert.FromHexString(k.Sha256))).ToArray();

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header)) return Task.FromResult(AuthenticateResult.NoResult());
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return Task.FromResult(AuthenticateResult.Fail("The Authorization header is not 'Bearer <key>'."));
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(header[7..].Trim()));
        string? name = null;
        foreach (var key in _keys)
            if (CryptographicOperations.FixedTimeEquals(hash, key.Hash)) name = key.Name;
        if (name is null) return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        metrics.Rejected("unauthorized");
        Response.Headers.WWWAuthenticate = "Bearer";
        var result = await HandleAuthenticateOnceSafeAsync();
        await ProblemWriter.WriteAsync(Context, StatusCodes.Status401Unauthorized, "unauthorized",
            result.Failure?.Message ?? "An API key is required: send 'Authorization: Bearer <key>'.", "Authorization");
    }
}

namespace KosmosG.Service.Api;

/// <summary>Names of the authorization and rate-limiting policies the /v1 endpoints use.</summary>
public static class ApiPolicies
{
    /// <summary>A valid API key when KosmosG:Auth:Keys has any; anyone otherwise.</summary>
    public const string Client = "kosmosg-client";
    /// <summary>Per-key (or per-address) limit on generation requests.</summary>
    public const string Generation = "kosmosg-generation";
}

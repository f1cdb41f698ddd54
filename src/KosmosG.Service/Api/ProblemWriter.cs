using System.Text.Json;
using Microsoft.AspNetCore.Mvc;

namespace KosmosG.Service.Api;

/// <summary>
/// Writes every error the same way: application/problem+json with type urn:kosmosg:problem:{code}, the status's
/// title, a detail, the request field at fault ("field"), and Retry-After for 429/503. On the OpenAI-compatible
/// endpoint the body also carries OpenAI's {"error": {message, type, param, code}} so its clients can read it.
/// </summary>
public static class ProblemWriter
{
    public static ProblemDetails Create(HttpContext http, int status, string code, string detail, string? field)
    {
        var problem = new ProblemDetails
        {
            Type = $"urn:kosmosg:problem:{code}",
            Title = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status),
            Status = status,
            Detail = detail,
            Instance = http.Request.Path,
        };
        problem.Extensions["code"] = code;
        if (field is not null) problem.Extensions["field"] = field;
        if (http.Request.Path.StartsWithSegments("/v1/images"))
            problem.Extensions["error"] = new Dictionary<string, object?>
            {
                ["message"] = detail,
                ["type"] = status < 500 ? "invalid_request_error" : "server_error",
                ["param"] = field,
                ["code"] = code,
            };
        return problem;
    }

    public static async Task WriteAsync(HttpContext http, int status, string code, string detail, string? field = null, int? retryAfterSeconds = null)
    {
        http.Response.StatusCode = status;
        if (retryAfterSeconds is { } seconds) http.Response.Headers.RetryAfter = seconds.ToString();
        // Written directly rather than through IProblemDetailsService, which declines when the client's Accept
        // (e.g. image/png) does not list JSON: errors must reach every client.
        var problem = Create(http, status, code, detail, field);
        problem.Extensions["trace_id"] = http.TraceIdentifier;
        await http.Response.WriteAsJsonAsync(problem, (JsonSerializerOptions?)null, "application/problem+json");
    }
}

namespace KosmosG.Service.Api;

/// <summary>
/// The framework's own empty error answers (unknown route 404, wrong method 405, a body type the endpoint does not
/// accept 415) as problem+json through <see cref="ProblemWriter"/>. The stock status-code pages go through
/// IProblemDetailsService, which falls back to text/plain when the client's Accept does not list JSON.
/// </summary>
public static class StatusCodeProblems
{
    public static IApplicationBuilder UseProblemStatusCodePages(this IApplicationBuilder app) =>
        app.UseStatusCodePages(context =>
        {
            var http = context.HttpContext;
            var status = http.Response.StatusCode;
            var request = http.Request;
            return status == StatusCodes.Status415UnsupportedMediaType
                ? ProblemWriter.WriteAsync(http, status, "unsupported_media_type",
                    $"Content-Type '{request.ContentType}' is not accepted here; see /openapi/v1.json for this endpoint's body types.", "Content-Type")
                : ProblemWriter.WriteAsync(http, status, "http_" + status,
                    $"{Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status)}: {request.Method} {request.Path}.");
        });
}

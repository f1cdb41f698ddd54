using System.Text.Json;
using KosmosG.Imaging;
using KosmosG.Pipelines;
using KosmosG.Service.Api.Requests;
using KosmosG.Service.Imaging;
using Microsoft.AspNetCore.Diagnostics;

namespace KosmosG.Service.Api;

/// <summary>Maps what request handling throws to problem+json: the client's mistakes to 4xx naming the field, never 500.</summary>
public sealed class ProblemExceptionHandler(RequestFields fields, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        var (status, code, detail, field, retryAfter) = exception switch
        {
            ApiProblemException p => FromProblem(p),
            ImageRejectedException r => (r.Status, ImageCode(r.Kind), r.Message, r.Field, (int?)null),
            GenerationRequestException g => (400, "invalid_field", g.Message.Split(" (Parameter")[0], fields.NameOf(g.Field), null),
            JsonException j => FromProblem(ApiProblemException.InvalidJson(JsonField(j.Path), j.Message)),
            BadHttpRequestException b => (b.StatusCode, b.StatusCode == 413 ? "body_too_large" : "bad_request", b.Message, null, null),
            // Kestrel's framing errors that surface as IOException rather than BadHttpRequestException (an overflowing
            // chunk size: "Bad chunk size data").
            IOException io when !http.RequestAborted.IsCancellationRequested && FromServerFraming(io) =>
                (400, "bad_request", $"The request body could not be read: {io.Message}", "body", null),
            InvalidDataException or IOException when !http.RequestAborted.IsCancellationRequested && http.Request.HasFormContentType =>
                FromProblem(FormErrors.From(exception, fields.Images)),
            _ when Queue.Redis.RedisJobs.IsUnavailable(exception) =>
                (503, "store_unavailable", $"The shared job store (Redis) is not reachable; retry shortly. ({exception.GetType().Name}: {exception.Message})", null, 5),
            _ => (500, "internal_error", "An unexpected error occurred; it has been logged.", null, null),
        };
        if (status >= 500) logger.LogError(exception, "Unhandled error on {Path}", http.Request.Path);
        if (http.Response.HasStarted) return true;
        await ProblemWriter.WriteAsync(http, status, code, detail, field, retryAfter);
        return true;
    }

    static bool FromServerFraming(IOException e) =>
        e.TargetSite?.DeclaringType?.Namespace?.StartsWith("Microsoft.AspNetCore.Server.Kestrel", StringComparison.Ordinal) == true;

    static (int, string, string, string?, int?) FromProblem(ApiProblemException p) => (p.Status, p.Code, p.Message, p.Field, p.RetryAfterSeconds);

    static string ImageCode(ImageDecodeErrorKind kind) => kind switch
    {
        ImageDecodeErrorKind.UnsupportedFormat => "unsupported_media_type",
        ImageDecodeErrorKind.TooLarge => "image_too_large",
        ImageDecodeErrorKind.Truncated => "image_truncated",
        _ => "image_corrupt",
    };

    // System.Text.Json paths look like "$.steps" or "$.images[1]".
    static string? JsonField(string? path) => path is null or "$" ? null : path.TrimStart('$', '.');
}

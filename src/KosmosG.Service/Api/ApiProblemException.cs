namespace KosmosG.Service.Api;

/// <summary>
/// A request the service refuses, turned into problem+json (RFC 9457) by <see cref="ProblemExceptionHandler"/>:
/// status, a stable code (the problem type is urn:kosmosg:problem:{code}), the field at fault when there is one,
/// and when to retry for 429/503.
/// </summary>
public sealed class ApiProblemException(int status, string code, string detail, string? field = null, int? retryAfterSeconds = null)
    : Exception(detail)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public string? Field { get; } = field;
    public int? RetryAfterSeconds { get; } = retryAfterSeconds;

    public static ApiProblemException Invalid(string field, string detail) => new(StatusCodes.Status400BadRequest, "invalid_field", detail, field);

    /// <summary>A body of a type the endpoint does not read; <paramref name="accepted"/> names the ones it does.</summary>
    public static ApiProblemException UnsupportedBody(string? contentType, string accepted) =>
        new(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", $"Content-Type '{contentType}' is not accepted; send {accepted}.", "Content-Type");

    /// <summary>A body that does not parse, or a field of the wrong JSON type.</summary>
    public static ApiProblemException InvalidJson(string? field, string detail) =>
        new(StatusCodes.Status400BadRequest, "invalid_json", $"The JSON body is not valid: {detail}", field);

    /// <summary>Admission's refusal: 429 when the queue is full, else 503 (loading, paused or draining).</summary>
    public static ApiProblemException From(Queue.Rejection r) =>
        new(r.Reason == Queue.Rejections.QueueFull ? StatusCodes.Status429TooManyRequests : StatusCodes.Status503ServiceUnavailable,
            r.Reason, r.Detail, null, r.RetryAfterSeconds);
}

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

    public static ApiProblemException From(Jobs.Rejection r) => new(r.Status, r.Reason, r.Detail, null, r.RetryAfterSeconds);
}

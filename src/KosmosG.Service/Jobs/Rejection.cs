namespace KosmosG.Service.Jobs;

/// <summary>Why a request was not admitted: HTTP status, metric reason, message, and when to come back.</summary>
public sealed record Rejection(int Status, string Reason, string Detail, int RetryAfterSeconds);

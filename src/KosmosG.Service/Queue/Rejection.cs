namespace KosmosG.Service.Queue;

/// <summary>Why a request was not admitted (one of <see cref="Rejections"/>, also the metric's reason), a message,
/// and when to come back.</summary>
public sealed record Rejection(string Reason, string Detail, int RetryAfterSeconds);

public static class Rejections
{
    /// <summary>Every waiting slot is taken.</summary>
    public const string QueueFull = "queue_full";
    /// <summary>A worker is still loading or warming up, or its circuit is open.</summary>
    public const string NotReady = "not_ready";
    /// <summary>The service is shutting down.</summary>
    public const string Draining = "draining";
}

namespace KosmosG.Service.Queue;

/// <summary>Why a job did not succeed: the error event's type and the job's error.type.</summary>
public static class JobErrorTypes
{
    public const string GenerationFailed = "generation_failed";
    /// <summary>The worker found a field unusable (e.g. a LoRA that fits no layer of the model): the client's error.</summary>
    public const string InvalidField = "invalid_field";
    public const string Cancelled = "cancelled";
    public const string ClientDisconnected = "client_disconnected";
    public const string DeadlineExceeded = "deadline_exceeded";
    public const string Shutdown = "shutdown";

    /// <summary>The job failed (state failed) rather than being cancelled (state cancelled).</summary>
    public static bool IsFailure(string type) => type is GenerationFailed or InvalidField;
}

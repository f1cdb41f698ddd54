using System.Text.Json.Serialization;

namespace KosmosG.Service.Catalog;

public enum WorkerState { Loading, WarmingUp, Ready, Faulted, Stopped }

/// <summary>One device worker as others may see it: its state, the end of its pause while its circuit is open
/// (repeated failures), why it faulted, and since when the job it holds has not moved (wedged).</summary>
public sealed record WorkerStatus(string Device, WorkerState State, DateTimeOffset? PausedUntil, string? Fault, DateTimeOffset? StalledSince = null)
{
    /// <summary>Loaded, warmed up, not paused and not wedged.</summary>
    [JsonIgnore]
    public bool IsHealthy => State == WorkerState.Ready && PausedUntil is null && StalledSince is null;
}

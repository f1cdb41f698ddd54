using System.Text.Json.Serialization;

namespace KosmosG.Service.Catalog;

public enum WorkerState { Loading, WarmingUp, Ready, Faulted, Stopped }

/// <summary>One device worker as others may see it: its state, the end of its pause while its circuit is open
/// (repeated failures), and why it faulted.</summary>
public sealed record WorkerStatus(string Device, WorkerState State, DateTimeOffset? PausedUntil, string? Fault)
{
    /// <summary>Loaded, warmed up, and not paused.</summary>
    [JsonIgnore]
    public bool IsHealthy => State == WorkerState.Ready && PausedUntil is null;
}

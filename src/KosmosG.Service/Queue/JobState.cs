namespace KosmosG.Service.Queue;

/// <summary>Queued -> Running -> Succeeded | Failed | Cancelled; a queued job can also go straight to Cancelled.</summary>
public enum JobState { Queued, Running, Succeeded, Failed, Cancelled }

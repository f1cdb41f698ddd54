using System.Text.Json.Serialization;
using KosmosG.Pipelines;

namespace KosmosG.Service.Queue;

/// <summary>
/// What happens to a job, in order: queued (again whenever the position changes), started, progress per step,
/// preview (when asked for), image (as each finishes), then exactly one terminal event: completed or error. With a
/// shared store a run can also end in requeued (its replica died or shut down): the job is back at the front of the
/// queue and runs again from the start (started, progress and images anew, the same seed).
/// <see cref="Name"/> is the SSE event name; the API writes the record as its data (images as base64).
/// </summary>
public abstract record JobEvent([property: JsonIgnore] string Name)
{
    [JsonIgnore]
    public virtual bool IsTerminal => false;
}

public sealed record QueuedEvent(string Id, int Position) : JobEvent("queued");

/// <summary>A started job went back to the front of the queue, to run again from the start: Reason is lease_expired
/// (its replica stopped renewing its lease: it died or lost Redis) or shutdown (its replica drained and handed it back).</summary>
public sealed record RequeuedEvent(string Id, int Position, string Reason) : JobEvent("requeued");

public sealed record StartedEvent(string Id, string Device, double QueueSeconds) : JobEvent("started");

public sealed record ProgressEvent(int Step, int Total) : JobEvent("progress");

public sealed record PreviewEvent(int Step, byte[] Png) : JobEvent("preview");

public sealed record ImageEvent(GeneratedImage Image) : JobEvent("image");

/// <summary>Warnings say what the generation did not use as asked (e.g. a LoRA's text-encoder keys under KOSMOS-G).</summary>
public sealed record CompletedEvent(string Id, JobTimings Timings, IReadOnlyList<string> Warnings) : JobEvent("completed")
{
    public override bool IsTerminal => true;
}

/// <summary>Type is one of: generation_failed, cancelled, client_disconnected, deadline_exceeded, shutdown.</summary>
public sealed record ErrorEvent(string Id, string Type, string Message) : JobEvent("error")
{
    public override bool IsTerminal => true;
}

/// <summary>Seconds spent in each part of a job (queue wait, then the model's stages).</summary>
public sealed record JobTimings(double Queue, double Inference, double Encode, double Denoise, double Decode, double EncodePng);

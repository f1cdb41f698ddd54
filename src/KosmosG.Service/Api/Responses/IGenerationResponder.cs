using KosmosG.Pipelines;
using KosmosG.Service.Queue;

namespace KosmosG.Service.Api.Responses;

/// <summary>One way of answering a generation request (JSON, PNG, SSE, 202 + job, OpenAI's shape).</summary>
public interface IGenerationResponder
{
    /// <summary>Refuses, before the job is queued, a request this answer cannot carry.</summary>
    void Check(GenerationRequest request) { }

    /// <summary>Sees the job before it is queued (to subscribe to its events from the start).</summary>
    void Attach(Job job) { }

    Task RespondAsync(HttpContext http, Job job);
}

using System.Text.Json;
using System.Threading.Channels;
using KosmosG.Service.Queue;

namespace KosmosG.Service.Api.Responses;

/// <summary>Accept: text/event-stream: the job's events as they happen; the stream belongs to this connection.</summary>
public sealed class EventStreamResponder(JsonSerializerOptions json) : IGenerationResponder
{
    ChannelReader<JobEvent>? _events;

    public void Attach(Job job) => _events = job.Subscribe();

    public async Task RespondAsync(HttpContext http, Job job)
    {
        using var disconnect = http.RequestAborted.Register(() => job.Cancel(JobErrorTypes.ClientDisconnected));
        SseWriter.Start(http.Response);
        http.Response.Headers["x-job-id"] = job.Id;
        try { await SseWriter.StreamAsync(http.Response, _events!, json, http.RequestAborted); }
        catch (Exception e) when (e is OperationCanceledException or IOException) { }
        finally
        {
            // The stream ends early only when the client is gone (an abort, or a write that failed first).
            if (!job.IsFinished) job.Cancel(JobErrorTypes.ClientDisconnected);
        }
    }
}

using KosmosG.Service.Queue;

namespace KosmosG.Service.Api.Responses;

/// <summary>
/// The synchronous answers: the job belongs to this connection (a disconnect cancels it); once it finished, the
/// timing headers, then the images in the subclass's shape, or the problem saying why there are none.
/// </summary>
public abstract class FinishedJobResponder : IGenerationResponder
{
    public async Task RespondAsync(HttpContext http, Job job)
    {
        using var disconnect = http.RequestAborted.Register(() => job.Cancel(JobErrorTypes.ClientDisconnected));
        await job.Finished;
        if (http.RequestAborted.IsCancellationRequested) return;
        JobResults.AddHeaders(http.Response, job);
        if (job.State != JobState.Succeeded) throw JobResults.Problem(job);
        await WriteAsync(http, job);
    }

    protected abstract Task WriteAsync(HttpContext http, Job job);
}

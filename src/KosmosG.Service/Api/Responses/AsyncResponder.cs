using KosmosG.Service.Queue;

namespace KosmosG.Service.Api.Responses;

/// <summary>Prefer: respond-async: 202 with the job and its Location; the job outlives the connection.</summary>
public sealed class AsyncResponder(IJobQueue queue) : IGenerationResponder
{
    public async Task RespondAsync(HttpContext http, Job job)
    {
        http.Response.StatusCode = StatusCodes.Status202Accepted;
        http.Response.Headers.Location = $"/v1/jobs/{job.Id}";
        http.Response.Headers["x-job-id"] = job.Id;
        await http.Response.WriteAsJsonAsync(JobView.Of(job, await queue.PositionOfAsync(job)));
    }
}

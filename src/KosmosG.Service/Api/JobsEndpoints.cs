using KosmosG.Service.Api.Requests;
using KosmosG.Service.Api.Responses;
using KosmosG.Service.Queue;

namespace KosmosG.Service.Api;

/// <summary>GET /v1/jobs/{id}, GET /v1/jobs/{id}/images/{index}, GET /v1/jobs/{id}/events, POST /v1/jobs/{id}/cancel.
/// With a shared store any replica answers for any job.</summary>
public static class JobsEndpoints
{
    public static IEndpointRouteBuilder MapJobs(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/v1/jobs").WithTags("Jobs").RequireAuthorization(ApiPolicies.Client);

        jobs.MapGet("/{id}", async (string id, HttpContext http, IJobStore store, IJobQueue queue) =>
            {
                var job = await FindAsync(store, id, http);
                return TypedResults.Ok(JobView.Of(job, await queue.PositionOfAsync(job)));
            })
            .WithName("GetJob")
            .WithSummary("A job's state, queue position, progress, image links, error and timings")
            .WithDescription("Finished jobs are kept for KosmosG:Jobs:RetentionSeconds (at most KosmosG:Jobs:MaxRetained), then 404.")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);

        jobs.MapGet("/{id}/images/{index:int}", async (string id, int index, HttpContext http, IJobStore store) =>
            {
                var job = await FindAsync(store, id, http);
                // An empty PNG: its file in the results folder is gone (logged where it was read).
                var image = job.Images.FirstOrDefault(i => i.Index == index && i.Png.Length > 0)
                            ?? throw new ApiProblemException(StatusCodes.Status404NotFound, "image_not_found",
                                $"Job {id} has no image {index} (state {job.State}, {job.Images.Count} images so far).", "index");
                http.Response.Headers["x-seed"] = image.Seed.ToString();
                return TypedResults.File(image.Png, "image/png", $"{id}-{index}.png");
            })
            .WithName("GetJobImage")
            .WithSummary("One image of a job as image/png (available as soon as it is generated)")
            .Produces(StatusCodes.Status200OK, contentType: "image/png")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);

        jobs.MapGet("/{id}/events", async (string id, HttpContext http, IJobStore store, RequestFields fields) =>
            {
                var skip = int.TryParse(http.Request.Headers["Last-Event-ID"], out var last) && last > 0 ? last : 0;
                var job = Owned(await store.FollowAsync(id, http.RequestAborted), id, http);
                SseWriter.Start(http.Response);
                http.Response.Headers["x-job-id"] = job.Id;
                try { await SseWriter.StreamAsync(http.Response, job.Subscribe(skip), fields.Json, http.RequestAborted, skip); }
                catch (Exception e) when (e is OperationCanceledException or IOException) { }
            })
            .WithName("GetJobEvents")
            .WithSummary("A job's events as Server-Sent Events, from the first (or after Last-Event-ID), ending after its terminal event")
            .WithDescription("The same events as the POST's text/event-stream answer, with the same ids on every replica; a " +
                             "client that reconnects with Last-Event-ID misses nothing. A finished job's stream ends at once after " +
                             "its terminal event. Leaving the stream does not cancel the job.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);

        jobs.MapPost("/{id}/cancel", async (string id, HttpContext http, IJobStore store) =>
            {
                var job = await FindAsync(store, id, http);
                var cancelled = await store.CancelAsync(job, JobErrorTypes.Cancelled) || job.State == JobState.Cancelled;
                return TypedResults.Ok(new CancelView(job.Id, cancelled, (await store.FindAsync(id) ?? job).State));
            })
            .WithName("CancelJob")
            .WithSummary("Cancel a job (idempotent)")
            .WithDescription("A queued job is cancelled at once; a running one stops within one denoising step and skips decoding. " +
                             "cancelled is false when the job had already succeeded or failed.")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>The job, or 404 (also for another key's job: its existence is not revealed).</summary>
    static async Task<Job> FindAsync(IJobStore store, string id, HttpContext http) => Owned(await store.FindAsync(id), id, http);

    static Job Owned(Job? found, string id, HttpContext http) =>
        found is { } job && job.Owner == http.User.Identity?.Name
            ? job
            : throw new ApiProblemException(StatusCodes.Status404NotFound, "job_not_found",
                $"No job '{id}' (finished jobs are removed after their retention time).", "id");
}

using KosmosG.Service.Jobs;
using KosmosG.Service.Streaming;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace KosmosG.Service.Api;

/// <summary>POST /v1/generations: the native endpoint, answering as JSON, one PNG, an SSE stream, or 202 + a job.</summary>
public static class GenerationsEndpoints
{
    public static IEndpointRouteBuilder MapGenerations(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/generations", CreateAsync)
            .WithTags("Generations")
            .WithName("CreateGeneration")
            .WithSummary("Generate images from an interleaved text + image prompt")
            .WithDescription(
                "Body: application/json (images as base64 or data URLs) or multipart/form-data (image files named 'images', " +
                "in <i> order). The answer follows the headers: 'Prefer: respond-async' -> 202 with Location: /v1/jobs/{id}; " +
                "else Accept: application/json (default) -> GenerationResponse; image/png -> the image (n = 1) with its " +
                "parameters in PNG iTXt chunks and x-seed, x-job-id, x-queue-time, x-inference-time (ms) headers; " +
                "text/event-stream -> events queued {position}, started, progress {step, total}, preview {png_base64} " +
                "(with preview_every), image {index, seed, png_base64}, then exactly one of completed {timings} or " +
                "error {type, message}. Synchronous and streamed requests are cancelled when the client disconnects; " +
                "async jobs are not.")
            .Accepts<GenerationBody>("application/json", "multipart/form-data")
            .Produces<GenerationResponse>(StatusCodes.Status200OK, "application/json", "image/png", "text/event-stream")
            .Produces<JobView>(StatusCodes.Status202Accepted)
            .ProducesGenerationProblems()
            .ProducesProblem(StatusCodes.Status406NotAcceptable)
            .RequireAuthorization(ApiPolicies.Client)
            .RequireRateLimiting(ApiPolicies.Generation)
            .DisableAntiforgery();
        return app;
    }

    /// <summary>The errors both generation endpoints can answer with.</summary>
    public static RouteHandlerBuilder ProducesGenerationProblems(this RouteHandlerBuilder route)
    {
        foreach (var status in new[] { 400, 401, 409, 413, 415, 429, 500, 503, 504 })
            route.ProducesProblem(status);
        return route;
    }

    static async Task CreateAsync(HttpContext http, GenerationInputReader reader, GenerationRequestBuilder builder,
        Admission admission, JobQueue queue, IOptions<JsonOptions> json, ILogger<GenerationBody> logger)
    {
        var mode = ResponseModes.Negotiate(http.Request);
        if (admission.Check() is { } early) throw ApiProblemException.From(early);
        var (request, deadline) = builder.Build(await reader.ReadNativeAsync(http.Request));
        if (mode == ResponseMode.Png && request.Count > 1)
            throw ApiProblemException.Invalid("n", "Accept: image/png returns one image; ask for application/json or text/event-stream when n > 1.");

        var job = new Job(request, deadline) { Owner = http.User.Identity?.Name };
        var events = mode == ResponseMode.EventStream ? job.OpenEvents() : null;
        if (admission.Submit(job) is { } rejection) throw ApiProblemException.From(rejection);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["JobId"] = job.Id });
        logger.LogInformation("Accepted job ({Mode}, {Steps} steps, {Count} images, {Inputs} inputs)",
            mode, request.Steps, request.Count, request.Images.Count);

        if (mode == ResponseMode.Async)
        {
            http.Response.StatusCode = StatusCodes.Status202Accepted;
            http.Response.Headers.Location = $"/v1/jobs/{job.Id}";
            http.Response.Headers["x-job-id"] = job.Id;
            await http.Response.WriteAsJsonAsync(JobView.Of(job, queue), json.Value.SerializerOptions);
            return;
        }

        // Synchronous and streamed answers belong to this connection: a disconnect cancels the job.
        using var disconnect = http.RequestAborted.Register(() => job.Cancel(JobErrorTypes.ClientDisconnected));
        if (events is not null)
        {
            SseWriter.Start(http.Response);
            http.Response.Headers["x-job-id"] = job.Id;
            try { await SseWriter.StreamAsync(http.Response, events, json.Value.SerializerOptions, http.RequestAborted); }
            catch (Exception e) when (e is OperationCanceledException or IOException) { }
            finally
            {
                // The stream ends early only when the client is gone (an abort, or a write that failed first).
                if (!job.IsFinished) job.Cancel(JobErrorTypes.ClientDisconnected);
            }
            return;
        }

        await job.Finished;
        if (http.RequestAborted.IsCancellationRequested) return;
        JobResults.AddHeaders(http.Response, job);
        if (job.State != JobState.Succeeded) throw JobResults.Problem(job);
        var images = job.Images;
        if (mode == ResponseMode.Png)
        {
            http.Response.Headers["x-seed"] = images[0].Seed.ToString();
            http.Response.ContentType = "image/png";
            await http.Response.Body.WriteAsync(images[0].Png);
            return;
        }
        await http.Response.WriteAsJsonAsync(
            new GenerationResponse(job.Id, images.Select(i => new ImageView(i.Index, i.Seed, Convert.ToBase64String(i.Png))).ToList(), Job.ToView(job)),
            json.Value.SerializerOptions);
    }
}

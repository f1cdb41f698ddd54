using System.Text.Json.Nodes;
using KosmosG.Service.Api.Requests;
using KosmosG.Service.Api.Responses;
using KosmosG.Service.Queue;

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
                "(with preview_every), image {index, seed, png_base64}, then exactly one of completed {timings, warnings} or " +
                "error {type, message}; with Redis a run can also end in requeued {position, reason} (lease_expired or " +
                "shutdown), after which the job starts again. Synchronous and streamed requests are cancelled when the client disconnects; " +
                "async jobs are not.")
            .Accepts<JsonObject>("application/json", "multipart/form-data") // the schema: OpenApiDocumentation, from RequestFields
            .Produces<GenerationResponse>(StatusCodes.Status200OK, "application/json", "image/png", "text/event-stream")
            .Produces<JobView>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status406NotAcceptable)
            .AsGenerationEndpoint()
            .DisableAntiforgery();
        return app;
    }

    /// <summary>What both generation endpoints share: the errors they can answer with, the client policy and the
    /// generation rate limit.</summary>
    public static RouteHandlerBuilder AsGenerationEndpoint(this RouteHandlerBuilder route)
    {
        foreach (var status in new[] { 400, 401, 409, 413, 415, 429, 500, 503, 504 })
            route.ProducesProblem(status);
        return route.RequireAuthorization(ApiPolicies.Client).RequireRateLimiting(ApiPolicies.Generation);
    }

    static Task CreateAsync(HttpContext http, GenerationSubmitter submitter, JsonRequestReader json, FormRequestReader form,
        RequestFields fields, IJobQueue queue)
    {
        IGenerationResponder responder = ResponseModes.Negotiate(http.Request) switch
        {
            ResponseMode.Async => new AsyncResponder(queue),
            ResponseMode.EventStream => new EventStreamResponder(fields.Json),
            ResponseMode.Png => new PngResponder(fields),
            _ => new JsonResponder(),
        };
        return submitter.SubmitAsync(http, draft => ReadAsync(http.Request, draft, json, form), responder);
    }

    static Task ReadAsync(HttpRequest request, RequestDraft draft, JsonRequestReader json, FormRequestReader form)
    {
        if (request.HasJsonContentType()) return json.ReadAsync(request, draft);
        if (request.HasFormContentType) return form.ReadAsync(request, draft);
        throw ApiProblemException.UnsupportedBody(request.ContentType, "application/json or multipart/form-data");
    }
}

using KosmosG.Service.Jobs;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace KosmosG.Service.Api;

/// <summary>POST /v1/images/generations: the OpenAI Images API shape, so OpenAI SDKs work by changing the base URL.</summary>
public static class OpenAiImagesEndpoints
{
    public static IEndpointRouteBuilder MapOpenAiImages(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/images/generations", CreateAsync)
            .WithTags("OpenAI compatible")
            .WithName("CreateImageOpenAi")
            .WithSummary("OpenAI Images-compatible generation")
            .WithDescription(
                "Request and response as OpenAI's POST /v1/images/generations (prompt, n, size \"WxH\", response_format " +
                "b64_json or url), plus the extensions negative_prompt, steps, guidance_scale, scheduler, seed, images " +
                "(base64 or data URLs, in <i> order) and deadline_seconds. Errors are problem+json that also carry " +
                "OpenAI's {\"error\": {message, type, param, code}}. Cancelled when the client disconnects.")
            .Accepts<OpenAiImageBody>("application/json")
            .Produces<OpenAiImagesResponse>()
            .ProducesGenerationProblems()
            .RequireAuthorization(ApiPolicies.Client)
            .RequireRateLimiting(ApiPolicies.Generation);
        return app;
    }

    static async Task CreateAsync(HttpContext http, GenerationInputReader reader, GenerationRequestBuilder builder,
        Admission admission, IOptions<JsonOptions> json, ILogger<OpenAiImageBody> logger)
    {
        if (admission.Check() is { } early) throw ApiProblemException.From(early);
        var (input, format) = await reader.ReadOpenAiAsync(http.Request);
        var (request, deadline) = builder.Build(input);
        var job = new Job(request, deadline) { Owner = http.User.Identity?.Name };
        if (admission.Submit(job) is { } rejection) throw ApiProblemException.From(rejection);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["JobId"] = job.Id });
        logger.LogInformation("Accepted OpenAI-style job ({Count} images, {Format})", request.Count, format);

        using var disconnect = http.RequestAborted.Register(() => job.Cancel(JobErrorTypes.ClientDisconnected));
        await job.Finished;
        if (http.RequestAborted.IsCancellationRequested) return;
        JobResults.AddHeaders(http.Response, job);
        if (job.State != JobState.Succeeded) throw JobResults.Problem(job);
        var origin = $"{http.Request.Scheme}://{http.Request.Host}";
        var data = job.Images.Select(i => format == "url"
            ? new OpenAiImageData(null, $"{origin}/v1/jobs/{job.Id}/images/{i.Index}", i.Seed)
            : new OpenAiImageData(Convert.ToBase64String(i.Png), null, i.Seed)).ToList();
        await http.Response.WriteAsJsonAsync(new OpenAiImagesResponse(job.CreatedAt.ToUnixTimeSeconds(), data), json.Value.SerializerOptions);
    }
}

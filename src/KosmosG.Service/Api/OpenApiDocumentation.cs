using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace KosmosG.Service.Api;

/// <summary>
/// Completes /openapi/v1.json: the service description, the Bearer scheme, an example request body per generation
/// endpoint and an example problem+json body for every documented error status.
/// </summary>
public sealed class OpenApiDocumentation : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
{
    static readonly Dictionary<string, (string Code, string Detail, string? Field)> Problems = new()
    {
        ["400"] = ("invalid_field", "steps must be between 1 and 100 (got 500).", "steps"),
        ["401"] = ("unauthorized", "An API key is required: send 'Authorization: Bearer <key>'.", "Authorization"),
        ["404"] = ("job_not_found", "No job 'job_0c1d...' (finished jobs are removed after their retention time).", "id"),
        ["406"] = ("not_acceptable", "Accept 'text/html' offers nothing we return: application/json, image/png or text/event-stream.", "Accept"),
        ["409"] = ("cancelled", "Job job_0c1d...: The job was cancelled.", null),
        ["413"] = ("image_too_large", "images[0]: 20000x20000 is over the limit of 16777216 pixels (KosmosG:Limits:MaxImagePixels).", "images[0]"),
        ["415"] = ("unsupported_media_type", "images[1]: not a PNG, JPEG or WebP image.", "images[1]"),
        ["429"] = ("queue_full", "The queue is full (16 jobs waiting). Retry-After tells when to come back.", null),
        ["500"] = ("generation_failed", "Job job_0c1d...: Generation failed on cuda:0: ExternalException: CUDA out of memory.", null),
        ["503"] = ("not_ready", "The model is not ready: cpu: WarmingUp", null),
        ["504"] = ("deadline_exceeded", "Job job_0c1d...: The job's deadline passed before it finished.", null),
    };

    static readonly Dictionary<string, string> RequestExamples = new()
    {
        ["CreateGeneration"] = """
            {"prompt": "<i> wearing a red hat, watercolor", "negative_prompt": "blurry", "images": ["data:image/png;base64,iVBORw0KGgo..."],
             "steps": 25, "guidance_scale": 7.5, "scheduler": "dpms", "seed": 42, "n": 1, "width": 512, "height": 512,
             "preview_every": 5, "deadline_seconds": 120}
            """,
        ["CreateImageOpenAi"] = """
            {"model": "kosmos-g", "prompt": "a watercolor fox in the snow", "n": 1, "size": "512x512", "response_format": "b64_json",
             "steps": 25, "seed": 42}
            """,
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "KosmosG.Service";
        document.Info.Description =
            "KOSMOS-G image generation from interleaved text and image prompts. Errors are application/problem+json " +
            "(RFC 9457) with 'code' and, for request mistakes, 'field' naming the request field at fault. " +
            "Timing headers: x-queue-time, x-inference-time (milliseconds).";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "API key, when the service has KosmosG:Auth:Keys configured (it stores only their SHA-256).",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] });
        return Task.CompletedTask;
    }

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var (status, response) in operation.Responses ?? [])
        {
            if (response.Content is null || !Problems.TryGetValue(status, out var p)) continue;
            foreach (var media in response.Content.Where(c => c.Key.Contains("problem")).Select(c => c.Value))
                media.Example = new JsonObject
                {
                    ["type"] = $"urn:kosmosg:problem:{p.Code}",
                    ["title"] = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(int.Parse(status)),
                    ["status"] = int.Parse(status),
                    ["detail"] = p.Detail,
                    ["code"] = p.Code,
                    ["field"] = p.Field,
                };
        }
        if (operation.OperationId is { } id && RequestExamples.TryGetValue(id, out var example) &&
            operation.RequestBody?.Content?.TryGetValue("application/json", out var body) == true)
            body.Example = JsonNode.Parse(example);
        return Task.CompletedTask;
    }
}

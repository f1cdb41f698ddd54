using System.ComponentModel;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json;
using KosmosG.Pipelines;
using KosmosG.Service.Api.Requests;
using KosmosG.Service.Queue;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace KosmosG.Service.Api;

/// <summary>
/// Completes /openapi/v1.json: the service description, the Bearer scheme, the generation endpoints' request
/// schemas and examples (built from <see cref="RequestFields"/>, so they list exactly the fields the readers take)
/// and an example problem+json body for every documented error status.
/// </summary>
public sealed class OpenApiDocumentation(RequestFields fields) : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
{
    const string CreateGeneration = "CreateGeneration";
    const string CreateImageOpenAi = "CreateImageOpenAi";
    const string EditImageOpenAi = "EditImageOpenAi";
    const string ImagesDescription =
        "Input images in <i> order: base64 or data URLs (data:image/png;base64,...), or file parts in multipart/form-data. " +
        "PNG, JPEG or WebP. URLs are not fetched.";

    static readonly GenerationRequest Example = new()
    {
        Prompt = "<i> wearing a red hat, watercolor", NegativePrompt = "blurry", Steps = 25, GuidanceScale = 7.5, Scheduler = "dpms",
        Seed = 42, Count = 1, Width = 512, Height = 512, PreviewEvery = 5,
    };

    Dictionary<string, (string Code, string Detail, string? Field)> Problems()
    {
        var steps = fields.NameOf(nameof(GenerationRequest.Steps));
        return new()
        {
            ["400"] = ("invalid_field", $"{steps} must be between 1 and 100 (got 500).", steps),
            ["401"] = ("unauthorized", "An API key is required: send 'Authorization: Bearer <key>'.", "Authorization"),
            ["404"] = ("job_not_found", "No job 'job_0c1d...' (finished jobs are removed after their retention time).", "id"),
            ["406"] = ("not_acceptable", "Accept 'text/html' offers nothing we return: application/json, image/png or text/event-stream.", "Accept"),
            ["409"] = ("cancelled", "Job job_0c1d...: The job was cancelled.", null),
            ["413"] = ("image_too_large", $"{fields.Images}[0]: 20000x20000 is over the limit of 16777216 pixels (KosmosG:Limits:MaxImagePixels).", $"{fields.Images}[0]"),
            ["415"] = ("unsupported_media_type", $"{fields.Images}[1]: not a PNG, JPEG or WebP image.", $"{fields.Images}[1]"),
            ["429"] = ("queue_full", "The queue is full (16 jobs waiting). Retry-After tells when to come back.", null),
            ["500"] = ("generation_failed", "Job job_0c1d...: Generation failed on cuda:0: ExternalException: CUDA out of memory.", null),
            ["503"] = ("not_ready", "The model is not ready: cpu: WarmingUp", null),
            ["504"] = ("deadline_exceeded", "Job job_0c1d...: The job's deadline passed before it finished.", null),
        };
    }

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
        var problems = Problems();
        foreach (var (status, response) in operation.Responses ?? [])
        {
            if (response.Content is null || !problems.TryGetValue(status, out var p)) continue;
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
        if (operation.OperationId is CreateGeneration or CreateImageOpenAi or EditImageOpenAi && operation.RequestBody?.Content is { } content)
        {
            var openAi = operation.OperationId != CreateGeneration;
            foreach (var (type, media) in content)
            {
                media.Schema = RequestSchema(openAi, binaryImages: type.Contains("form"), edit: operation.OperationId == EditImageOpenAi);
                if (type == "application/json") media.Example = openAi ? OpenAiExample() : NativeExample();
            }
        }
        return Task.CompletedTask;
    }

    OpenApiSchema RequestSchema(bool openAi, bool binaryImages, bool edit)
    {
        var properties = new Dictionary<string, IOpenApiSchema>();
        if (openAi)
            foreach (var p in fields.Json.GetTypeInfo(typeof(OpenAiImageOptions)).Properties)
                properties[p.Name] = Schema(p.PropertyType, (p.AttributeProvider as MemberInfo)?.GetCustomAttribute<DescriptionAttribute>()?.Description);
        foreach (var f in fields.All) properties[f.Name] = Schema(f.Type, f.Description);
        if (edit) AddEditImages(properties);
        else
            properties[fields.Images] = new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                Items = new OpenApiSchema { Type = JsonSchemaType.String, Format = binaryImages ? "binary" : null },
                Description = ImagesDescription,
            };
        properties[fields.ControlNets] = new OpenApiSchema
        {
            Type = JsonSchemaType.Array,
            Items = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Properties = fields.Json.GetTypeInfo(typeof(ControlNetField)).Properties.ToDictionary(p => p.Name,
                    p => (IOpenApiSchema)Schema(p.PropertyType, (p.AttributeProvider as MemberInfo)?.GetCustomAttribute<DescriptionAttribute>()?.Description)),
            },
            Description = "ControlNets steering this request, residuals summed in this order; names from GET /v1/controlnets. " +
                "Each image is decoded like the input images; errors name controlnets[i].image.",
        };
        return new OpenApiSchema { Type = JsonSchemaType.Object, Properties = properties };
    }

    /// <summary>OpenAI's edit images: "image" (one file) or "image[]" (one part per file), and the mask it refuses.</summary>
    static void AddEditImages(Dictionary<string, IOpenApiSchema> properties)
    {
        const string image = OpenAiEditReader.ImageField;
        properties[image] = new OpenApiSchema
        {
            Type = JsonSchemaType.String, Format = "binary",
            Description = "One image (PNG, JPEG or WebP): the prompt's <i> subject; a prompt without <i> gets \"<i> \" in front.",
        };
        properties[image + "[]"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" },
            Description = "Several images, one part each, filling the prompt's <i> markers in order; a prompt with fewer " +
                "markers than images gets the missing ones in front. At most the model's and KosmosG:Limits:MaxImages.",
        };
        properties[OpenAiEditReader.MaskField] = new OpenApiSchema
        {
            Type = JsonSchemaType.String, Format = "binary",
            Description = "Not supported (400): KOSMOS-G draws a new image with the inputs as subjects and does not inpaint.",
        };
    }

    static OpenApiSchema Schema(Type type, string? description) => new()
    {
        Type = (Nullable.GetUnderlyingType(type) ?? type) switch
        {
            var t when t == typeof(string) => JsonSchemaType.String,
            var t when t == typeof(int) || t == typeof(long) => JsonSchemaType.Integer,
            var t when t == typeof(double) || t == typeof(float) => JsonSchemaType.Number,
            var t when t == typeof(bool) => JsonSchemaType.Boolean,
            var t when t.IsAssignableTo(typeof(System.Collections.IEnumerable)) => JsonSchemaType.Array,
            _ => JsonSchemaType.Object,
        },
        Description = description,
    };

    JsonObject NativeExample()
    {
        var example = JsonSerializer.SerializeToNode(Example, fields.Json)!.AsObject();
        example[fields.Images] = new JsonArray("data:image/png;base64,iVBORw0KGgo...");
        example[fields.ControlNets] = new JsonArray();
        foreach (var (name, value) in JsonSerializer.SerializeToNode(new JobTerms { DeadlineSeconds = 120, WebhookUrl = "https://hooks.example.com/kosmosg" }, fields.Json)!.AsObject())
            example[name] = value?.DeepClone();
        return example;
    }

    JsonObject OpenAiExample()
    {
        var example = JsonSerializer.SerializeToNode(
            new OpenAiImageOptions { Model = "kosmos-g", Size = "512x512", ResponseFormat = OpenAiRequestReader.Base64Format }, fields.Json)!.AsObject();
        var request = JsonSerializer.SerializeToNode(Example with { Prompt = "a watercolor fox in the snow" }, fields.Json)!.AsObject();
        foreach (var property in new[] { nameof(GenerationRequest.Prompt), nameof(GenerationRequest.Count), nameof(GenerationRequest.Steps), nameof(GenerationRequest.Seed) })
            example[fields.NameOf(property)] = request[fields.NameOf(property)]?.DeepClone();
        return example;
    }
}

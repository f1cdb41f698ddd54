using System.Text.Json;
using System.Text.Json.Serialization;
using KosmosG.Service.Imaging;
using Microsoft.AspNetCore.Http.Features;

namespace KosmosG.Service.Api;

public static class ApiRegistration
{
    /// <summary>snake_case JSON, problem+json for every error, health checks, the OpenAPI document, request readers
    /// and the submit path.</summary>
    public static IServiceCollection AddKosmosGApi(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        });
        // Problems the framework writes itself (unknown route, 405, a Content-Type the endpoint does not accept).
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            var p = c.ProblemDetails;
            var request = c.HttpContext.Request;
            p.Extensions["trace_id"] = c.HttpContext.TraceIdentifier;
            p.Extensions.TryAdd("code", "http_" + p.Status);
            if (p.Status == StatusCodes.Status415UnsupportedMediaType)
            {
                p.Detail ??= $"Content-Type '{request.ContentType}' is not accepted here; see /openapi/v1.json for this endpoint's body types.";
                p.Extensions["field"] = "Content-Type";
            }
            p.Detail ??= $"{p.Title}: {request.Method} {request.Path}.";
        });
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.AddHealthChecks().AddCheck<ServiceHealthCheck>("workers", tags: [HealthEndpoints.ReadyTag])
            .AddCheck<SharedStoreHealthCheck>("redis", tags: [HealthEndpoints.ReadyTag]);
        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer<OpenApiDocumentation>();
            o.AddOperationTransformer<OpenApiDocumentation>();
        });
        services.AddSingleton<RequestFields>();
        services.AddSingleton<JsonRequestReader>();
        services.AddSingleton<FormRequestReader>();
        services.AddSingleton<OpenAiRequestReader>();
        services.AddSingleton<IImageIntake, DecoderImageIntake>();
        services.AddSingleton<GenerationOrders>();
        services.AddSingleton<GenerationSubmitter>();
        services.AddOptions<FormOptions>().Configure<Microsoft.Extensions.Options.IOptions<Options.KosmosGOptions>>((form, kosmos) =>
        {
            // Each uploaded image may be up to MaxImageBytes; larger parts fail while the form is read (413 on "images").
            form.MultipartBodyLengthLimit = kosmos.Value.Limits.MaxImageBytes + 1024L;
            form.ValueLengthLimit = Math.Max(kosmos.Value.Limits.MaxPromptChars * 4, 1 << 16);
        });
        services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .Configure<Microsoft.Extensions.Options.IOptions<Options.KosmosGOptions>>((kestrel, kosmos) =>
            {
                // The largest valid body: every image at the byte cap, base64-encoded (4/3), plus the text fields.
                var l = kosmos.Value.Limits;
                kestrel.Limits.MaxRequestBodySize = (long)l.MaxImageBytes * Math.Max(1, l.MaxImages) * 4 / 3 + (1 << 20);
            });
        return services;
    }
}

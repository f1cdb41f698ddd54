using System.Text.Json.Serialization;
using System.Text.Json;
using KosmosG.Service.Api.Requests;
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
        // The exception handler's fallback; ProblemExceptionHandler and StatusCodeProblems write every problem themselves.
        services.AddProblemDetails();
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
        services.AddSingleton<OpenAiEditReader>();
        services.AddSingleton<IImageIntake, DecoderImageIntake>();
        services.AddSingleton<GenerationOrders>();
        services.AddSingleton<GenerationSubmitter>();
        services.AddSingleton<Responses.PublicLinks>();
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

using System.Text.Json;
using KosmosG.Service.Api.Requests;
using KosmosG.Service.Catalog;
using KosmosG.Service.Imaging;
using KosmosG.Service.Options;
using Microsoft.Extensions.Options;

namespace KosmosG.Service.Api;

/// <summary>GET /v1/models: the loaded model's card, in which dtype on which devices, and every request limit.</summary>
public static class ModelsEndpoints
{
    public static IEndpointRouteBuilder MapModels(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/models", (ModelCatalog catalog, IOptions<KosmosGOptions> options, RequestFields fields) =>
            {
                var info = (catalog.Card ?? throw new ApiProblemException(StatusCodes.Status503ServiceUnavailable, "not_ready",
                    "The model is still loading.", null, 5)).Info;
                var o = options.Value;
                // The configured limits as they are, plus what else bounds a request.
                var limits = JsonSerializer.SerializeToNode(o.Limits, fields.Json)!.AsObject();
                limits["image_types"] = JsonSerializer.SerializeToNode(DecoderImageIntake.AcceptedTypes);
                limits["queue_capacity"] = o.Queue.Capacity;
                limits["default_deadline_seconds"] = o.Deadline.DefaultSeconds;
                limits["max_deadline_seconds"] = o.Deadline.MaxSeconds;
                var model = new ModelView(info.Name, "model", "kosmosg", info.Kind, info.ModelPath, info.DType, info.AcceptsImages,
                    info.AcceptsImages ? Math.Min(o.Limits.MaxImages, info.MaxImages) : 0, info.Defaults, limits, catalog.Workers);
                return TypedResults.Ok(new ModelList("list", [model]));
            })
            .WithTags("Models")
            .WithName("ListModels")
            .WithSummary("The loaded model, its defaults and limits")
            .RequireAuthorization(ApiPolicies.Client)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }
}

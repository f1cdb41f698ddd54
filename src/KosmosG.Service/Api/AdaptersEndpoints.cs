using KosmosG.Adapters;
using KosmosG.Service.Catalog;
using KosmosG.Service.Options;
using Microsoft.Extensions.Options;

namespace KosmosG.Service.Api;

/// <summary>GET /v1/loras and GET /v1/controlnets: what requests' "loras" and "controlnets" can name, found the way
/// the workers resolve names (configured folders first, then the model folder's loras/ and controlnets/).</summary>
public static class AdaptersEndpoints
{
    public static IEndpointRouteBuilder MapAdapters(this IEndpointRouteBuilder app)
    {
        Map(app, "/v1/loras", "ListLoras", "The LoRAs requests can name", AdapterLibrary.LoraAssets);
        Map(app, "/v1/controlnets", "ListControlNets", "The ControlNets requests can name", AdapterLibrary.ControlNetAssets);
        return app;
    }

    static void Map(IEndpointRouteBuilder app, string path, string name, string summary, Func<AdapterOptions, string, AssetFolders> assets) =>
        app.MapGet(path, (ModelCatalog catalog, IOptions<KosmosGOptions> options) =>
            {
                var card = catalog.Card ?? throw new ApiProblemException(StatusCodes.Status503ServiceUnavailable, "not_ready",
                    "The model is still loading.", null, 5);
                var folders = assets(options.Value.Adapters.ToCore(), card.Info.ModelPath);
                // The folder a name resolves to is the one a request would use (the first folder holding it).
                var items = folders.Names().Select(n => new AdapterView(n, Path.GetDirectoryName(folders.Resolve(n))!)).ToList();
                return TypedResults.Ok(new AdapterList("list", items));
            })
            .WithTags("Models")
            .WithName(name)
            .WithSummary(summary)
            .RequireAuthorization(ApiPolicies.Client)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
}

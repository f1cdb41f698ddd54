using KosmosG.Service.Jobs;
using KosmosG.Service.Options;
using Microsoft.Extensions.Options;

namespace KosmosG.Service.Api;

/// <summary>GET /v1/models: what is loaded, in which dtype on which devices, its defaults and every request limit.</summary>
public static class ModelsEndpoints
{
    public static IEndpointRouteBuilder MapModels(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/models", (WorkerPool pool, IOptions<KosmosGOptions> options) =>
            {
                var info = pool.Info ?? throw new ApiProblemException(StatusCodes.Status503ServiceUnavailable, "not_ready",
                    "The model is still loading.", null, 5);
                var o = options.Value;
                var l = o.Limits;
                var d = info.Defaults;
                var model = new ModelView(info.Name, "model", "kosmosg", info.Kind, info.ModelPath, info.DType, info.AcceptsImages,
                    info.AcceptsImages ? Math.Min(l.MaxImages, info.MaxImages) : 0,
                    new DefaultsView(d.Steps, d.GuidanceScale, d.Scheduler, d.Width, d.Height),
                    new LimitsView(l.MaxPromptChars, l.MaxImages, l.MaxImageBytes, l.MaxImagePixels, ["image/png", "image/jpeg", "image/webp"],
                        l.MinSteps, l.MaxSteps, l.MinGuidanceScale, l.MaxGuidanceScale, l.MaxN, l.MinSize, l.MaxSize, 8,
                        o.Queue.Capacity, o.Deadline.DefaultSeconds, o.Deadline.MaxSeconds),
                    pool.Workers.Select(w => new WorkerView(w.Device, w.State, w.Resilience.OpenUntil, w.FaultMessage)).ToList());
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

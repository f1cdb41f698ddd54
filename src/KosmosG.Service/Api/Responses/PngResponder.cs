using KosmosG.Pipelines;
using KosmosG.Service.Api.Requests;
using KosmosG.Service.Queue;

namespace KosmosG.Service.Api.Responses;

/// <summary>Accept: image/png: the one image, its seed in x-seed.</summary>
public sealed class PngResponder(RequestFields fields) : FinishedJobResponder, IGenerationResponder
{
    public void Check(GenerationRequest request)
    {
        if (request.Count == 1) return;
        var n = fields.NameOf(nameof(GenerationRequest.Count));
        throw ApiProblemException.Invalid(n, $"Accept: image/png returns one image; ask for application/json or text/event-stream when {n} > 1.");
    }

    protected override async Task WriteAsync(HttpContext http, Job job)
    {
        var image = job.Images[0];
        http.Response.Headers["x-seed"] = image.Seed.ToString();
        http.Response.ContentType = "image/png";
        await http.Response.Body.WriteAsync(image.Png);
    }
}

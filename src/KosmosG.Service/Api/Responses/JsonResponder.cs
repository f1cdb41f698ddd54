using KosmosG.Service.Queue;

namespace KosmosG.Service.Api.Responses;

/// <summary>Accept: application/json (the default): every image as base64 with its seed, and the timings.</summary>
public sealed class JsonResponder : FinishedJobResponder
{
    protected override Task WriteAsync(HttpContext http, Job job) =>
        http.Response.WriteAsJsonAsync(new GenerationResponse(job.Id, job.Images.Select(ImageView.Of).ToList(), job.TimingsInSeconds(), job.Warnings));
}

using KosmosG.Service.Api.Requests;
using KosmosG.Service.Queue;

namespace KosmosG.Service.Api.Responses;

/// <summary>OpenAI's images response: base64 or links to /v1/jobs/{id}/images/{index}, by response_format.</summary>
public sealed class OpenAiResponder(PublicLinks links) : FinishedJobResponder
{
    /// <summary>response_format, known once the body is read.</summary>
    public string Format { get; set; } = OpenAiRequestReader.Base64Format;

    protected override async Task WriteAsync(HttpContext http, Job job)
    {
        var data = job.Images.Select(i => Format == OpenAiRequestReader.UrlFormat
            ? new OpenAiImageData(null, links.For(http, $"/v1/jobs/{job.Id}/images/{i.Index}"), i.Seed)
            : new OpenAiImageData(Convert.ToBase64String(i.Png), null, i.Seed)).ToList();
        await http.Response.WriteAsJsonAsync(new OpenAiImagesResponse(job.CreatedAt.ToUnixTimeSeconds(), data));
    }
}

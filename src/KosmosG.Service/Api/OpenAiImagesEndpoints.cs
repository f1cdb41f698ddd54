using System.Text.Json.Nodes;
using KosmosG.Service.Api.Requests;
using KosmosG.Service.Api.Responses;

namespace KosmosG.Service.Api;

/// <summary>POST /v1/images/generations: the OpenAI Images API shape, so OpenAI SDKs work by changing the base URL.</summary>
public static class OpenAiImagesEndpoints
{
    public static IEndpointRouteBuilder MapOpenAiImages(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/images/generations", CreateAsync)
            .WithTags("OpenAI compatible")
            .WithName("CreateImageOpenAi")
            .WithSummary("OpenAI Images-compatible generation")
            .WithDescription(
                "Request and response as OpenAI's POST /v1/images/generations (prompt, n, size \"WxH\", response_format " +
                "b64_json or url), plus every field of POST /v1/generations as an extension (images as base64 or data " +
                "URLs, in <i> order). Errors are problem+json that also carry " +
                "OpenAI's {\"error\": {message, type, param, code}}. Cancelled when the client disconnects.")
            .Accepts<JsonObject>("application/json") // the schema: OpenApiDocumentation, from RequestFields and OpenAiImageOptions
            .Produces<OpenAiImagesResponse>()
            .AsGenerationEndpoint();
        return app;
    }

    static async Task CreateAsync(HttpContext http, GenerationSubmitter submitter, OpenAiRequestReader reader, PublicLinks links)
    {
        var responder = new OpenAiResponder(links);
        await submitter.SubmitAsync(http, async draft => responder.Format = await reader.ReadAsync(http.Request, draft), responder);
    }
}

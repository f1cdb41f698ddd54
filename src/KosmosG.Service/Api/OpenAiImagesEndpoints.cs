using System.Text.Json.Nodes;
using KosmosG.Service.Api.Requests;
using KosmosG.Service.Api.Responses;

namespace KosmosG.Service.Api;

/// <summary>POST /v1/images/generations and /v1/images/edits: the OpenAI Images API shape, so OpenAI SDKs work by
/// changing the base URL.</summary>
public static class OpenAiImagesEndpoints
{
    const string Extensions =
        "Errors are problem+json that also carry OpenAI's {\"error\": {message, type, param, code}}. Cancelled when the client disconnects.";

    public static IEndpointRouteBuilder MapOpenAiImages(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/images/generations", CreateAsync)
            .AsOpenAiImages("CreateImageOpenAi", "OpenAI Images-compatible generation",
                "Request and response as OpenAI's POST /v1/images/generations (prompt, n, size \"WxH\", response_format " +
                "b64_json or url), plus every field of POST /v1/generations as an extension (images as base64 or data " +
                "URLs, in <i> order). " + Extensions)
            .Accepts<JsonObject>("application/json"); // the schema: OpenApiDocumentation, from RequestFields and OpenAiImageOptions
        app.MapPost("/v1/images/edits", EditAsync)
            .AsOpenAiImages("EditImageOpenAi", "OpenAI Images-compatible edit: the images become the <i> subjects",
                "multipart/form-data as OpenAI's SDKs send images.edit: one file part 'image', or one 'image[]' part per " +
                "image (PNG, JPEG or WebP), and prompt. The images fill the prompt's <i> markers in the order sent; a prompt " +
                "with fewer markers than images gets the missing ones in front (\"<i> \" each), so \"make it a watercolor\" " +
                "with one image runs as \"<i> make it a watercolor\". n, size, response_format as on /v1/images/generations, " +
                "and every field of POST /v1/generations as an extension; model, user, quality, background, output_format " +
                "and OpenAI's other fields are ignored; mask and stream=true are refused (400). " + Extensions)
            .Accepts<JsonObject>("multipart/form-data") // the schema: OpenApiDocumentation
            .DisableAntiforgery();
        return app;
    }

    static RouteHandlerBuilder AsOpenAiImages(this RouteHandlerBuilder route, string name, string summary, string description) =>
        route.WithTags("OpenAI compatible").WithName(name).WithSummary(summary).WithDescription(description)
            .Produces<OpenAiImagesResponse>().AsGenerationEndpoint();

    static Task CreateAsync(HttpContext http, GenerationSubmitter submitter, OpenAiRequestReader reader, PublicLinks links) =>
        SubmitAsync(http, submitter, links, reader.ReadAsync);

    static Task EditAsync(HttpContext http, GenerationSubmitter submitter, OpenAiEditReader reader, PublicLinks links) =>
        SubmitAsync(http, submitter, links, reader.ReadAsync);

    /// <summary>The submit path every generation takes, answered in OpenAI's shape once the reader named the format.</summary>
    static Task SubmitAsync(HttpContext http, GenerationSubmitter submitter, PublicLinks links, Func<HttpRequest, RequestDraft, Task<string>> read)
    {
        var responder = new OpenAiResponder(links);
        return submitter.SubmitAsync(http, async draft => responder.Format = await read(http.Request, draft), responder);
    }
}

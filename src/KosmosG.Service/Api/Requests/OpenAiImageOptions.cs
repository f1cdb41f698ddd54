using System.ComponentModel;

namespace KosmosG.Service.Api.Requests;

/// <summary>POST /v1/images/generations and /v1/images/edits: OpenAI's own fields. Every field of POST /v1/generations
/// is accepted too (our extensions); other OpenAI fields (quality, style, user, ...) are ignored so existing clients work unchanged.</summary>
public sealed record OpenAiImageOptions
{
    [Description("\"WxH\", each a multiple of 8 within the limits; overrides width and height. Example: \"512x512\". \"auto\": the model's default size.")]
    public string? Size { get; init; }

    [Description("\"b64_json\" (default) or \"url\" (a link to /v1/jobs/{id}/images/{index}, kept for KosmosG:Jobs:RetentionSeconds).")]
    public string? ResponseFormat { get; init; }

    [Description("Ignored: the service serves the model it loaded (see GET /v1/models).")]
    public string? Model { get; init; }
}

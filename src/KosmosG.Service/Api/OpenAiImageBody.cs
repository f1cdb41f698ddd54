using System.ComponentModel;

namespace KosmosG.Service.Api;

/// <summary>POST /v1/images/generations: the OpenAI Images request, plus our extensions. Unknown OpenAI fields
/// (model, quality, style, user, ...) are accepted and ignored so existing clients work unchanged.</summary>
public sealed record OpenAiImageBody
{
    [Description("The prompt. Example: \"a watercolor fox in the snow\".")]
    public string? Prompt { get; init; }

    [Description("Number of images. Example: 1.")]
    public int? N { get; init; }

    [Description("\"WxH\", each a multiple of 8 within the limits. Example: \"512x512\".")]
    public string? Size { get; init; }

    [Description("\"b64_json\" (default) or \"url\" (a link to /v1/jobs/{id}/images/{index}, kept for KosmosG:Jobs:RetentionSeconds).")]
    public string? ResponseFormat { get; init; }

    [Description("Ignored: the service serves the model it loaded (see GET /v1/models).")]
    public string? Model { get; init; }

    [Description("Extension: negative prompt.")]
    public string? NegativePrompt { get; init; }

    [Description("Extension: denoising steps.")]
    public int? Steps { get; init; }

    [Description("Extension: guidance scale.")]
    public double? GuidanceScale { get; init; }

    [Description("Extension: sampler name.")]
    public string? Scheduler { get; init; }

    [Description("Extension: seed of image 0 (image i uses seed + i).")]
    public long? Seed { get; init; }

    [Description("Extension: input images in <i> order, base64 or data URLs.")]
    public IReadOnlyList<string>? Images { get; init; }

    [Description("Extension: deadline in seconds.")]
    public double? DeadlineSeconds { get; init; }
}

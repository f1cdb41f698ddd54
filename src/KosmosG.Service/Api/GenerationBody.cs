using System.ComponentModel;

namespace KosmosG.Service.Api;

/// <summary>
/// POST /v1/generations as application/json. The same names are the multipart/form-data fields, where
/// <c>images</c> are file parts in &lt;i&gt; order instead of base64 strings. Absent knobs take the model's defaults.
/// </summary>
public sealed record GenerationBody
{
    [Description("The prompt; KOSMOS-G models take one <i> marker per image, in order. Example: \"<i> wearing a red hat, watercolor\".")]
    public string? Prompt { get; init; }

    [Description("What to steer away from. Example: \"blurry, low quality\".")]
    public string? NegativePrompt { get; init; }

    [Description("Denoising steps (KosmosG:Limits:MinSteps..MaxSteps). Example: 25.")]
    public int? Steps { get; init; }

    [Description("Classifier-free guidance scale (KosmosG:Limits:MinGuidanceScale..MaxGuidanceScale). Example: 7.5.")]
    public double? GuidanceScale { get; init; }

    [Description("Sampler name as listed by the model (e.g. \"dpms\", \"ddim\"). Example: \"dpms\".")]
    public string? Scheduler { get; init; }

    [Description("Seed of image 0; image i uses seed + i. Random when absent (and reported). Example: 42.")]
    public long? Seed { get; init; }

    [Description("Number of images (1..KosmosG:Limits:MaxN). Example: 1.")]
    public int? N { get; init; }

    [Description("Width in pixels: a multiple of 8 within KosmosG:Limits:MinSize..MaxSize. Example: 512.")]
    public int? Width { get; init; }

    [Description("Height in pixels: a multiple of 8 within KosmosG:Limits:MinSize..MaxSize. Example: 512.")]
    public int? Height { get; init; }

    [Description("Input images in <i> order: base64 or data URLs (data:image/png;base64,...). PNG, JPEG or WebP. URLs are not fetched.")]
    public IReadOnlyList<string>? Images { get; init; }

    [Description("Send a small preview image (SSE 'preview' event) every this many steps; 0 or absent: none. Example: 5.")]
    public int? PreviewEvery { get; init; }

    [Description("Cancel the job if it has not finished this many seconds after acceptance (queue wait included; up to KosmosG:Deadline:MaxSeconds). Example: 120.")]
    public double? DeadlineSeconds { get; init; }
}

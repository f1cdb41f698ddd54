using System.ComponentModel;
using System.Text.Json.Serialization;
using KosmosG.Imaging;

namespace KosmosG.Pipelines;

/// <summary>
/// One generation: a prompt (with one &lt;i&gt; marker per image for KOSMOS-G), its images in marker order,
/// and the sampling settings. Image i of a request uses seed Seed + i
/// (mod 2^63, see <see cref="SeededGenerators.SeedOf"/>). The service's request fields are this
/// record's properties under their JSON names (snake_case; <see cref="Count"/> is "n"), so a new setting is one
/// property here plus its use in the pipeline; its range, if any, is checked in <see cref="GenerationLimits"/>.
/// </summary>
public sealed record GenerationRequest
{
    [Description("The prompt; KOSMOS-G models take one <i> marker per image, in order. Example: \"<i> wearing a red hat, watercolor\".")]
    public required string Prompt { get; init; }

    /// <summary>Decoded pixels; on the wire images are files or base64 strings, read by the service's image intake.</summary>
    [JsonIgnore]
    public IReadOnlyList<RgbImage> Images { get; init; } = [];

    [Description("What to steer away from. Example: \"blurry, low quality\".")]
    public string NegativePrompt { get; init; } = "";

    [Description("Denoising steps (within the limits GET /v1/models lists). Example: 25.")]
    public int Steps { get; init; }

    [Description("Classifier-free guidance scale (within the limits GET /v1/models lists). Example: 7.5.")]
    public double GuidanceScale { get; init; }

    [Description("Sampler: dpms, pndm, ddim, euler or euler-a.")]
    public string Scheduler { get; init; } = "dpms";

    [Description("Width in pixels: a multiple of 8 within the limits GET /v1/models lists. Example: 512.")]
    public int Width { get; init; }

    [Description("Height in pixels: a multiple of 8 within the limits GET /v1/models lists. Example: 512.")]
    public int Height { get; init; }

    [Description("Seed of image 0; image i uses seed + i. Random when absent (and reported). Example: 42.")]
    public long Seed { get; init; }

    [JsonPropertyName("n")]
    [Description("Number of images. Example: 1.")]
    public int Count { get; init; } = 1;

    [Description("Send a small preview image (SSE 'preview' event) every this many steps; 0 or absent: none. Example: 5.")]
    public int PreviewEvery { get; init; }
    /// <summary>LoRAs applied for this request only, each with its own scale.</summary>
    [Description("LoRAs for this request only, by name from GET /v1/loras, each with its scale. Example: [{\"name\": \"style\", \"scale\": 0.8}].")]
    public IReadOnlyList<LoraRequest> Loras { get; init; } = [];
    /// <summary>ControlNets whose residuals are summed in this order; on the wire their images are files or base64
    /// strings, read by the service's image intake like <see cref="Images"/>.</summary>
    [JsonIgnore]
    [JsonPropertyName("controlnets")]
    public IReadOnlyList<ControlNetRequest> ControlNets { get; init; } = [];
    /// <summary>diffusers' guess_mode: with guidance the ControlNets see only the conditional half, residuals scaled
    /// by logspace(-1, 0, n+1).</summary>
    [Description("ControlNet guess mode (diffusers' guess_mode): the nets see only the prompt's half, residuals scaled from 0.1 to 1.")]
    public bool GuessMode { get; init; }
}

/// <summary>One finished image: its index in the request, the seed that made it, and the PNG bytes.</summary>
public sealed record GeneratedImage(int Index, long Seed, byte[] Png);

/// <summary>Per-request notifications from the worker thread (must be cheap and must not block).</summary>
public sealed class GenerationCallbacks
{
    public Action<int, int>? Step { get; init; }          // (step done, total)
    public Action<int, byte[]>? Preview { get; init; }     // (step, small PNG of image 0)
    /// <summary>Called once per image as soon as it is encoded, before Generate returns.</summary>
    public Action<GeneratedImage>? Image { get; init; }
}

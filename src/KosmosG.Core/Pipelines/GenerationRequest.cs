using KosmosG.Imaging;

namespace KosmosG.Pipelines;

/// <summary>
/// One generation: a prompt (with one &lt;i&gt; marker per image for KOSMOS-G), its images in marker order,
/// and the sampling knobs. Image i of a request uses seed Seed + i.
/// </summary>
public sealed record GenerationRequest
{
    public required string Prompt { get; init; }
    public IReadOnlyList<RgbImage> Images { get; init; } = [];
    public string NegativePrompt { get; init; } = "";
    public int Steps { get; init; }
    public double GuidanceScale { get; init; }
    public string Scheduler { get; init; } = "dpms";
    public int Width { get; init; }
    public int Height { get; init; }
    public long Seed { get; init; }
    public int Count { get; init; } = 1;
    /// <summary>Send a small preview image every this many steps (0: never).</summary>
    public int PreviewEvery { get; init; }
    /// <summary>LoRAs applied for this request only, each with its own scale.</summary>
    public IReadOnlyList<LoraRequest> Loras { get; init; } = [];
    /// <summary>ControlNets whose residuals are summed in this order.</summary>
    public IReadOnlyList<ControlNetRequest> ControlNets { get; init; } = [];
    /// <summary>diffusers' guess_mode: with guidance the ControlNets see only the conditional half, residuals scaled
    /// by logspace(-1, 0, n+1).</summary>
    public bool GuessMode { get; init; }
}

/// <summary>One finished image: its index in the request, the seed that made it, and the PNG bytes.</summary>
public sealed record GeneratedImage(int Index, long Seed, byte[] Png);

/// <summary>Per-request notifications from the worker thread (must be cheap and must not block).</summary>
public sealed class GenerationCallbacks
{
    public Action<int, int>? Step { get; init; }          // (step done, total)
    public Action<int, byte[]>? Preview { get; init; }     // (step, small PNG of image 0)
    public Action<GeneratedImage>? Image { get; init; }
}

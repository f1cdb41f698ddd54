using KosmosG.Schedulers;

namespace KosmosG.Pipelines;

/// <summary>
/// The ranges a request's settings must lie in, and the one place they are checked. The pipelines and the CLI use
/// <see cref="Model"/> (what a diffusion model can run); the service uses its configured KosmosG:Limits, narrower
/// (the initial values below), to bound the work one request may ask for. A refusal names the request field.
/// </summary>
public record GenerationLimits
{
    /// <summary>What the models run: steps up to the 1,000 training timesteps; the pipelines set SizeMultiple to their
    /// VAE's downsampling factor.</summary>
    public static readonly GenerationLimits Model = new()
    {
        MaxPromptChars = int.MaxValue, MinSteps = 1, MaxSteps = 1000, MinGuidanceScale = 0, MaxGuidanceScale = 100,
        MaxN = 64, MinSize = 8, MaxSize = 8192, SizeMultiple = 8,
    };

    public int MaxPromptChars { get; init; } = 2000;
    public int MinSteps { get; init; } = 1;
    public int MaxSteps { get; init; } = 100;
    public double MinGuidanceScale { get; init; } = 1.0;
    public double MaxGuidanceScale { get; init; } = 20.0;
    public int MaxN { get; init; } = 4;
    public int MinSize { get; init; } = 64;
    public int MaxSize { get; init; } = 1024;
    /// <summary>Width and height must be multiples of this (the VAE maps 8x8 pixels to one latent).</summary>
    public int SizeMultiple { get; init; } = 8;

    /// <summary>Throws <see cref="GenerationRequestException"/> naming the first field out of range.</summary>
    public void Check(GenerationRequest request)
    {
        CheckLength("prompt", request.Prompt);
        CheckLength("negative_prompt", request.NegativePrompt);
        CheckSteps(request.Steps);
        CheckGuidanceScale(request.GuidanceScale);
        Require(request.Count >= 1 && request.Count <= MaxN, "n", $"n must be between 1 and {MaxN} (got {request.Count}).");
        CheckSize("width", request.Width);
        CheckSize("height", request.Height);
        Require(request.Seed >= 0, "seed", $"seed must not be negative (got {request.Seed}).");
        Require(request.PreviewEvery >= 0, "preview_every",
            $"preview_every must be 0 (no previews) or a positive step interval (got {request.PreviewEvery}).");
        CheckScheduler(request.Scheduler);
    }

    static void CheckScheduler(string scheduler) =>
        Require(SchedulerFactory.Names.Contains(scheduler), "scheduler",
            $"unknown scheduler '{scheduler}': use one of {string.Join(", ", SchedulerFactory.Names)}.");

    public void CheckSteps(int steps) =>
        Require(steps >= MinSteps && steps <= MaxSteps, "steps", $"steps must be between {MinSteps} and {MaxSteps} (got {steps}).");

    public void CheckGuidanceScale(double guidance) =>
        Require(double.IsFinite(guidance) && guidance >= MinGuidanceScale && guidance <= MaxGuidanceScale, "guidance_scale",
            $"guidance_scale must be between {MinGuidanceScale} and {MaxGuidanceScale} (got {guidance}).");

    void CheckLength(string field, string text) =>
        Require(text.Length <= MaxPromptChars, field, $"{field} has {text.Length} characters; the limit is {MaxPromptChars}.");

    void CheckSize(string field, int value) =>
        Require(value >= MinSize && value <= MaxSize && value % SizeMultiple == 0, field,
            $"{field} must be a multiple of {SizeMultiple} between {MinSize} and {MaxSize} (got {value}).");

    static void Require(bool ok, string field, string message)
    {
        if (!ok) throw new GenerationRequestException(field, message);
    }
}

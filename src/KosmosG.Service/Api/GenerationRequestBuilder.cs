using KosmosG.Imaging;
using KosmosG.Pipelines;
using KosmosG.Service.Imaging;
using KosmosG.Service.Jobs;
using KosmosG.Service.Options;
using Microsoft.Extensions.Options;

namespace KosmosG.Service.Api;

/// <summary>
/// Validates a <see cref="GenerationInput"/> against the configured limits and the loaded model, cheapest checks
/// first (image count and sizes before any image is decoded), and builds the <see cref="GenerationRequest"/>.
/// Every refusal names the field.
/// </summary>
public sealed class GenerationRequestBuilder(IOptions<KosmosGOptions> options, IImageIntake intake, WorkerPool pool)
{
    readonly KosmosGOptions _options = options.Value;

    public (GenerationRequest Request, TimeSpan Deadline) Build(GenerationInput input)
    {
        var info = pool.Info ?? throw new ApiProblemException(503, "not_ready", "The model is not loaded yet.", null, 5);
        var l = _options.Limits;
        var d = info.Defaults;

        if (string.IsNullOrWhiteSpace(input.Prompt)) throw ApiProblemException.Invalid("prompt", "prompt is required.");
        Check(input.Prompt.Length <= l.MaxPromptChars, "prompt", $"prompt has {input.Prompt.Length} characters; the limit is {l.MaxPromptChars}.");
        var negative = input.NegativePrompt ?? "";
        Check(negative.Length <= l.MaxPromptChars, "negative_prompt",
            $"negative_prompt has {negative.Length} characters; the limit is {l.MaxPromptChars}.");

        var steps = input.Steps ?? d.Steps;
        Check(steps >= l.MinSteps && steps <= l.MaxSteps, "steps", $"steps must be between {l.MinSteps} and {l.MaxSteps} (got {steps}).");
        var guidance = input.GuidanceScale ?? d.GuidanceScale;
        Check(double.IsFinite(guidance) && guidance >= l.MinGuidanceScale && guidance <= l.MaxGuidanceScale, "guidance_scale",
            $"guidance_scale must be between {l.MinGuidanceScale} and {l.MaxGuidanceScale} (got {guidance}).");
        var n = input.N ?? 1;
        Check(n >= 1 && n <= l.MaxN, "n", $"n must be between 1 and {l.MaxN} (got {n}).");
        var width = input.Width ?? d.Width;
        var height = input.Height ?? d.Height;
        CheckSize("width", width, l);
        CheckSize("height", height, l);
        var scheduler = input.Scheduler ?? d.Scheduler;
        Check(!string.IsNullOrWhiteSpace(scheduler), "scheduler", "scheduler must not be empty.");
        var seed = input.Seed ?? Random.Shared.NextInt64(0, uint.MaxValue);
        Check(seed >= 0, "seed", $"seed must not be negative (got {seed}).");
        var previewEvery = input.PreviewEvery ?? 0;
        Check(previewEvery >= 0, "preview_every", $"preview_every must be 0 (no previews) or a positive step interval (got {previewEvery}).");
        var deadline = input.DeadlineSeconds ?? _options.Deadline.DefaultSeconds;
        Check(deadline > 0 && deadline <= _options.Deadline.MaxSeconds, "deadline_seconds",
            $"deadline_seconds must be above 0 and at most {_options.Deadline.MaxSeconds} (got {deadline}).");

        var maxImages = Math.Min(l.MaxImages, info.AcceptsImages ? info.MaxImages : 0);
        Check(input.Images.Count <= maxImages, "images",
            info.AcceptsImages
                ? $"{input.Images.Count} images sent; at most {maxImages} are accepted."
                : $"This model ({info.Kind}) takes text-only prompts; send no images.");
        foreach (var part in input.Images)
            if (part.Length > l.MaxImageBytes)
                throw new ImageRejectedException(part.Field, ImageDecodeErrorKind.TooLarge,
                    $"{part.Field}: {part.Length} bytes is over the limit of {l.MaxImageBytes} (KosmosG:Limits:MaxImageBytes).");
        var images = input.Images.Select(p => intake.Read(p.Read(), p.ContentType, p.Field)).ToList();

        var request = new GenerationRequest
        {
            Prompt = input.Prompt, NegativePrompt = negative, Images = images, Steps = steps, GuidanceScale = guidance,
            Scheduler = scheduler, Width = width, Height = height, Seed = seed, Count = n, PreviewEvery = previewEvery,
        };
        pool.Validate(request);
        return (request, TimeSpan.FromSeconds(deadline));
    }

    static void CheckSize(string field, int value, LimitsOptions l) =>
        Check(value >= l.MinSize && value <= l.MaxSize && value % 8 == 0, field,
            $"{field} must be a multiple of 8 between {l.MinSize} and {l.MaxSize} (got {value}).");

    static void Check(bool ok, string field, string detail)
    {
        if (!ok) throw ApiProblemException.Invalid(field, detail);
    }
}

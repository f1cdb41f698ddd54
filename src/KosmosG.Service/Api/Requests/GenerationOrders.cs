using KosmosG.Imaging;
using KosmosG.Pipelines;
using KosmosG.Service.Catalog;
using KosmosG.Service.Imaging;
using KosmosG.Service.Options;
using Microsoft.Extensions.Options;

namespace KosmosG.Service.Api.Requests;

/// <summary>A checked request with its pixels, and how long the job may take.</summary>
public sealed record GenerationOrder(GenerationRequest Request, TimeSpan Deadline, string? Webhook);

/// <summary>
/// Starts a request from the loaded model's card and turns what the readers filled in into a
/// <see cref="GenerationOrder"/>: the configured limits, then the image count and sizes (before any image is
/// decoded), the images, and last the model's own checks from its card. Every refusal names the field.
/// </summary>
public sealed class GenerationOrders(IOptions<KosmosGOptions> options, IImageIntake intake, ModelCatalog catalog, RequestFields fields,
    Webhooks.WebhookSender webhooks)
{
    readonly KosmosGOptions _options = options.Value;

    public RequestDraft NewDraft()
    {
        var card = catalog.Card ?? throw new ApiProblemException(StatusCodes.Status503ServiceUnavailable, "not_ready",
            "The model is not loaded yet.", null, 5);
        return new RequestDraft(card, card.NewRequest(Random.Shared.NextInt64(0, uint.MaxValue)));
    }

    public GenerationOrder Complete(RequestDraft draft)
    {
        var request = draft.Request;
        var info = draft.Card.Info;
        var l = _options.Limits;
        if (string.IsNullOrWhiteSpace(request.Prompt))
        {
            var prompt = fields.NameOf(nameof(GenerationRequest.Prompt));
            throw ApiProblemException.Invalid(prompt, $"{prompt} is required.");
        }
        l.Check(request);

        var deadline = draft.Terms.DeadlineSeconds ?? _options.Deadline.DefaultSeconds;
        var deadlineField = fields.NameOf(nameof(draft.Terms.DeadlineSeconds));
        if (!(deadline > 0 && deadline <= _options.Deadline.MaxSeconds))
            throw ApiProblemException.Invalid(deadlineField,
                $"{deadlineField} must be above 0 and at most {_options.Deadline.MaxSeconds} (got {deadline}).");

        if (draft.Terms.WebhookUrl is { } webhook && webhooks.Refusal(webhook) is { } refusal)
            throw ApiProblemException.Invalid(fields.NameOf(nameof(draft.Terms.WebhookUrl)), refusal);

        var maxImages = Math.Min(l.MaxImages, info.AcceptsImages ? info.MaxImages : 0);
        if (draft.Images.Count > maxImages)
            throw ApiProblemException.Invalid(draft.ImagesField ?? fields.Images, info.AcceptsImages
                ? $"{draft.Images.Count} images sent; at most {maxImages} are accepted."
                : $"This model ({info.Kind}) takes text-only prompts; send no images.");
        foreach (var part in draft.Images)
            if (part.Length > l.MaxImageBytes)
                throw new ImageRejectedException(part.Field, ImageDecodeErrorKind.TooLarge,
                    $"{part.Field}: {part.Length} bytes is over the limit of {l.MaxImageBytes} (KosmosG:Limits:MaxImageBytes).");
        // One image at a time: its bytes and full-size pixels are garbage once reduced to the square the vision
        // tower takes, so a queued job holds at most MaxImages x InputImageSize^2 x 3 bytes of input.
        var side = info.InputImageSize;
        request = request with
        {
            Images = draft.Images.Select(p =>
            {
                var image = intake.Read(p.Read(), p.ContentType, p.Field);
                return side > 0 ? ClipImagePreprocessor.Reduce(image, side) : image;
            }).ToList(),
            ControlNets = ControlNets(draft),
        };
        draft.Images = [];

        draft.Card.Validator.Validate(request);
        return new GenerationOrder(request, TimeSpan.FromSeconds(deadline), draft.Terms.WebhookUrl);
    }

    /// <summary>The ControlNets with their images decoded by the same intake as the input images, after the count and
    /// size checks.</summary>
    List<ControlNetRequest> ControlNets(RequestDraft draft)
    {
        var name = fields.ControlNets;
        var max = _options.Adapters.MaxControlNets;
        if (draft.ControlNets.Count > max)
            throw ApiProblemException.Invalid(name, $"{draft.ControlNets.Count} ControlNets sent; at most {max} per request (KosmosG:Adapters:MaxControlNets).");
        foreach (var index in draft.ControlImages.Keys.Where(i => i >= draft.ControlNets.Count))
            throw ApiProblemException.Invalid($"{name}[{index}].image", $"{name}[{index}].image: there is no ControlNet {index} in {name}.");
        var parts = draft.ControlNets.Select((c, i) =>
        {
            var field = $"{name}[{i}].image";
            if (draft.ControlImages.TryGetValue(i, out var file)) return file;
            if (string.IsNullOrEmpty(c.Image)) throw ApiProblemException.Invalid(field, $"{field} is required.");
            return ImageParts.FromString(c.Image, field);
        }).ToList();
        foreach (var part in parts)
            if (part.Length > _options.Limits.MaxImageBytes)
                throw new ImageRejectedException(part.Field, ImageDecodeErrorKind.TooLarge,
                    $"{part.Field}: {part.Length} bytes is over the limit of {_options.Limits.MaxImageBytes} (KosmosG:Limits:MaxImageBytes).");
        return draft.ControlNets.Select((c, i) => new ControlNetRequest
        {
            Name = c.Name, Image = intake.Read(parts[i].Read(), parts[i].ContentType, parts[i].Field), Preprocessor = c.Preprocessor,
            ConditioningScale = c.ConditioningScale, GuidanceStart = c.GuidanceStart, GuidanceEnd = c.GuidanceEnd,
            CannyLow = c.CannyLow, CannyHigh = c.CannyHigh,
        }).ToList();
    }
}

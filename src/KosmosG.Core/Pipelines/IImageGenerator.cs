namespace KosmosG.Pipelines;

/// <summary>
/// A loaded model that turns requests into images. Not thread-safe: one instance per device worker, called
/// synchronously on that worker's dedicated thread (TorchSharp scopes are per thread).
/// </summary>
public interface IImageGenerator : IDisposable
{
    GeneratorInfo Info { get; }

    /// <summary>The model's request checks, which unlike the model itself may run on any thread.</summary>
    IRequestValidator Validator { get; }

    /// <summary>Runs one request. Cancellation is checked before encoding the prompt, before every denoising step and
    /// before each image's VAE decode; a cancelled request stops there and throws <see cref="OperationCanceledException"/>
    /// (images already passed to <see cref="GenerationCallbacks.Image"/> stay sent).</summary>
    GenerationResult Generate(GenerationRequest request, GenerationCallbacks callbacks, CancellationToken cancellationToken);
}

/// <summary>What is loaded, where, and the defaults a request without knobs gets. <paramref name="InputImageSize"/>:
/// the side of the square an input image is cut to before the vision tower (shorter side resized, centre crop;
/// <see cref="Imaging.ClipImagePreprocessor"/>), so a caller may keep only that square; 0 when images are not used.</summary>
public sealed record GeneratorInfo(
    string Name,
    string Kind,            // "kosmos-g" or "stable-diffusion" (the CLIP text-only baseline)
    string ModelPath,
    string Device,
    string DType,
    bool AcceptsImages,
    int MaxImages,
    GenerationDefaults Defaults,
    int InputImageSize = 0);

public sealed record GenerationDefaults(int Steps, double GuidanceScale, string Scheduler, int Width, int Height);

public sealed record StageTimings(TimeSpan Encode, TimeSpan Denoise, TimeSpan Decode, TimeSpan EncodePng);

public sealed record GenerationResult(IReadOnlyList<GeneratedImage> Images, StageTimings Timings)
{
    /// <summary>Things the caller should know that did not stop the request (e.g. LoRA parts that do not apply).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
    /// <summary>PNG of each ControlNet's control image as the net saw it (after the preprocessor).</summary>
    public IReadOnlyList<byte[]> ControlMaps { get; init; } = [];
}

/// <summary>
/// Checks a request against one loaded model before it is queued (ranges, prompt markers against images, token
/// limits, sizes), throwing <see cref="GenerationRequestException"/> naming the field. Thread-safe: it reads only the
/// tokenizer and the model's sizes, never its weights, so a service calls it from request threads while the model
/// generates on its worker's.
/// </summary>
public interface IRequestValidator
{
    void Validate(GenerationRequest request);
}

/// <summary>A request the model cannot run, with the request field at fault (mapped to HTTP 400 by the service).</summary>
public class GenerationRequestException(string field, string message) : ArgumentException(message)
{
    public string Field { get; } = field;
}

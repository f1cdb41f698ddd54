using System.Diagnostics;
using KosmosG.Adapters;
using KosmosG.Adapters.Lora;
using KosmosG.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Pipelines;

/// <summary>
/// What the text-to-image baseline and KOSMOS-G share: request checks, seeded noise, the guided denoising loop,
/// decoding and PNG encoding. Subclasses only say how a prompt becomes the U-Net's condition.
/// </summary>
public abstract class DiffusionPipeline : IImageGenerator
{
    const int PreviewMaxSide = 128;
    IRequestValidator? _validator;

    protected DiffusionPipeline(DiffusionBackbone backbone, AdapterLibrary adapters)
    {
        Backbone = backbone;
        Adapters = adapters;
    }

    public DiffusionBackbone Backbone { get; }

    /// <summary>The LoRAs and ControlNets requests can name.</summary>
    public AdapterLibrary Adapters { get; }

    /// <summary>The CLIP text encoder LoRAs also patch, or null when the model has none (KOSMOS-G).</summary>
    protected virtual nn.Module? LoraTextEncoder => null;
    public abstract GeneratorInfo Info { get; }

    /// <summary>[uncond x n; cond x n] when guided, else [cond x n], shaped [rows, tokens, cross_attention_dim].</summary>
    protected abstract Tensor EncodeCondition(GenerationRequest request, bool guided);

    /// <summary>The prompt checks of this kind of model; the returned check must hold no reference to the weights
    /// (it runs on request threads, see <see cref="IRequestValidator"/>).</summary>
    protected abstract Action<GenerationRequest> PromptCheck();

    /// <summary>Ranges, the prompt check and the adapters' names and settings (the adapter check resolves names in
    /// configured folders only; it loads no weights).</summary>
    public IRequestValidator Validator
    {
        get
        {
            if (_validator is null)
            {
                var checkPrompt = PromptCheck();
                var adapters = Adapters;
                _validator = new RequestValidator(GenerationLimits.Model with { SizeMultiple = Backbone.VaeScaleFactor }, request =>
                {
                    adapters.Validate(request);
                    checkPrompt(request);
                });
            }
            return _validator;
        }
    }

    public void Validate(GenerationRequest request) => Validator.Validate(request);

    public GenerationResult Generate(GenerationRequest request, GenerationCallbacks callbacks, CancellationToken cancellationToken) =>
        Generate(request, null, callbacks, cancellationToken);

    /// <summary>Generate with optional caller-supplied initial latents; <paramref name="finalLatents"/> sees the
    /// latents after the last scheduler step (before VAE scaling).</summary>
    /// <param name="given">Conditions to use instead of encoding the prompt (diffusers' prompt_embeds / negative_prompt_embeds).</param>
    public GenerationResult Generate(GenerationRequest request, Tensor? initialLatents, GenerationCallbacks callbacks,
        CancellationToken cancellationToken, Action<Tensor>? finalLatents = null, PromptEmbeddings? given = null)
    {
        using var mode = inference_mode();
        using var scope = NewDisposeScope();
        var sampled = Sample(request, initialLatents, callbacks, cancellationToken, given);
        finalLatents?.Invoke(sampled.Latents);

        // One image at a time, with a cancellation check before each VAE decode: a cancel or deadline costs at most
        // the decode in flight, and the VAE's activations are one image's, not n images'.
        var decode = TimeSpan.Zero;
        var encodePng = TimeSpan.Zero;
        var images = new List<GeneratedImage>();
        for (var i = 0; i < request.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var watch = Stopwatch.StartNew();
            using var pixels = Backbone.Decode(sampled.Latents[i..(i + 1)]);
            decode += watch.Elapsed;

            watch.Restart();
            var seed = SeededGenerators.SeedOf(request.Seed, i);
            var image = new GeneratedImage(i, seed, PngEncoder.Encode(ImageTensors.ToRgbImages(pixels)[0], PngParameters.For(request, Info, seed)));
            images.Add(image);
            encodePng += watch.Elapsed;
            callbacks.Image?.Invoke(image);
        }
        return new GenerationResult(images, new StageTimings(sampled.Encode, sampled.Denoise, decode, encodePng))
        {
            Warnings = sampled.Warnings,
            ControlMaps = sampled.ControlMaps,
        };
    }

    /// <summary>Runs everything up to the final latents (float32 [n,4,h,w]). <paramref name="initialLatents"/>
    /// replaces the seeded noise, as diffusers' <c>latents=</c> argument does.</summary>
    public SampleResult Sample(GenerationRequest request, Tensor? initialLatents, GenerationCallbacks callbacks, CancellationToken cancellationToken,
        PromptEmbeddings? given = null)
    {
        Validate(request);
        cancellationToken.ThrowIfCancellationRequested();
        using var mode = inference_mode();
        var guided = request.GuidanceScale > 1;
        var watch = Stopwatch.StartNew();
        // The request's LoRAs patch the U-Net (and the CLIP text encoder) only until this request's denoising is done.
        using var lora = request.Loras.Count == 0 ? null
            : LoraScope.Attach(request.Loras.Select(l => new ScaledLora(Adapters.Lora(l.Name), l.Scale)).ToList(), Backbone.Unet, LoraTextEncoder);
        var condition = given?.Batch(request.Count, guided) ?? EncodeCondition(request, guided);
        var encode = watch.Elapsed;

        watch.Restart();
        var (control, maps) = PrepareControl(request);
        var generators = SeededGenerators.Create(request.Seed, request.Count);
        var latents = initialLatents is null
            ? Backbone.InitialLatents(generators, request.Width, request.Height)
            : CheckLatents(initialLatents, request);
        using var scheduler = Backbone.CreateScheduler(request.Scheduler, request.Steps);
        var final = Backbone.Denoise(latents, condition, request.GuidanceScale, scheduler, generators, callbacks, cancellationToken,
            PreviewHook(request, callbacks), control);
        return new SampleResult(final, encode, watch.Elapsed) { Warnings = lora?.Warnings ?? [], ControlMaps = maps };
    }

    /// <summary>Each ControlNet with its preprocessed control image (and that image as a PNG for the response).</summary>
    (ControlGuidance? Control, IReadOnlyList<byte[]> Maps) PrepareControl(GenerationRequest request)
    {
        if (request.ControlNets.Count == 0) return (null, []);
        var units = new List<ControlUnit>();
        var maps = new List<byte[]>();
        foreach (var c in request.ControlNets)
        {
            var model = Adapters.ControlNet(c.Name);
            using var image = ControlImageProcessor.Preprocess(ControlPreprocessors.Apply(c), request.Width, request.Height);
            maps.Add(PngEncoder.Encode(ImageTensors.ToRgbImages(image)[0], new Dictionary<string, string>()));
            using var input = image.to(Backbone.Compute.DType, Backbone.Compute.Device);
            using (no_grad())
                units.Add(new ControlUnit(model, model.EmbedCondition(input), c.ConditioningScale, c.GuidanceStart, c.GuidanceEnd));
        }
        return (new ControlGuidance(units, request.GuessMode), maps);
    }

    Tensor CheckLatents(Tensor latents, GenerationRequest request)
    {
        long[] expected = [request.Count, Backbone.LatentChannels, request.Height / Backbone.VaeScaleFactor, request.Width / Backbone.VaeScaleFactor];
        if (!latents.shape.SequenceEqual(expected))
            throw new GenerationRequestException("latents", $"latents have shape [{string.Join(",", latents.shape)}], this request needs [{string.Join(",", expected)}]");
        return latents.to(Backbone.Compute.Device);
    }

    Action<int, Tensor>? PreviewHook(GenerationRequest request, GenerationCallbacks callbacks)
    {
        if (request.PreviewEvery <= 0 || callbacks.Preview is null) return null;
        return (step, latents) =>
        {
            if ((step + 1) % request.PreviewEvery != 0) return;
            using var scope = NewDisposeScope();
            var image = Backbone.Decode(latents[..1]);
            var scale = Math.Min(1.0, (double)PreviewMaxSide / Math.Max(request.Width, request.Height));
            if (scale < 1)
                image = nn.functional.interpolate(image, [(long)(request.Height * scale), (long)(request.Width * scale)], mode: InterpolationMode.Area);
            callbacks.Preview(step + 1, PngEncoder.Encode(ImageTensors.ToRgbImages(image)[0], new Dictionary<string, string>()));
        };
    }

    public virtual void Dispose()
    {
        Adapters.Dispose();
        Backbone.Dispose();
    }
}

/// <summary>Final latents with the time spent encoding the prompt and denoising.</summary>
public sealed record SampleResult(Tensor Latents, TimeSpan Encode, TimeSpan Denoise)
{
    public IReadOnlyList<string> Warnings { get; init; } = [];
    /// <summary>PNG of each ControlNet's control image as the net saw it.</summary>
    public IReadOnlyList<byte[]> ControlMaps { get; init; } = [];
}

/// <summary>
/// Conditions given directly instead of a prompt (diffusers' prompt_embeds / negative_prompt_embeds, or a saved
/// KOSMOS-G condition): <paramref name="Condition"/> [1 or n, tokens, D] and <paramref name="Uncond"/> [1, tokens, D].
/// </summary>
public sealed record PromptEmbeddings(Tensor Condition, Tensor Uncond)
{
    /// <summary>[uncond x n; cond x n] with guidance, else [cond x n].</summary>
    public Tensor Batch(int count, bool guided)
    {
        var rows = Condition.shape[0];
        if (Condition.dim() != 3 || (rows != 1 && rows != count))
            throw new GenerationRequestException("condition", $"condition must be [1 or {count}, tokens, D], got [{string.Join(", ", Condition.shape)}]");
        if (Uncond.dim() != 3 || Uncond.shape[0] != 1 || !Uncond.shape[1..].SequenceEqual(Condition.shape[1..]))
            throw new GenerationRequestException("condition", $"uncond must be [1, {Condition.shape[1]}, {Condition.shape[2]}], got [{string.Join(", ", Uncond.shape)}]");
        var cond = rows == count ? Condition : Condition.repeat(count, 1, 1);
        return guided ? cat([Uncond.repeat(count, 1, 1), cond], 0) : cond;
    }
}

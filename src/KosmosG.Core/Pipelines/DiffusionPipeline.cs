using System.Diagnostics;
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

    protected DiffusionPipeline(DiffusionBackbone backbone) => Backbone = backbone;

    public DiffusionBackbone Backbone { get; }
    public abstract GeneratorInfo Info { get; }

    /// <summary>[uncond x n; cond x n] when guided, else [cond x n], shaped [rows, tokens, cross_attention_dim].</summary>
    protected abstract Tensor EncodeCondition(GenerationRequest request, bool guided);

    /// <summary>The prompt checks of this kind of model; the returned check must hold no reference to the weights
    /// (it runs on request threads, see <see cref="IRequestValidator"/>).</summary>
    protected abstract Action<GenerationRequest> PromptCheck();

    public IRequestValidator Validator =>
        _validator ??= new RequestValidator(GenerationLimits.Model with { SizeMultiple = Backbone.VaeScaleFactor }, PromptCheck());

    public void Validate(GenerationRequest request) => Validator.Validate(request);

    public GenerationResult Generate(GenerationRequest request, GenerationCallbacks callbacks, CancellationToken cancellationToken) =>
        Generate(request, null, callbacks, cancellationToken);

    /// <summary>Generate with optional caller-supplied initial latents; <paramref name="finalLatents"/> sees the
    /// latents after the last scheduler step (before VAE scaling).</summary>
    public GenerationResult Generate(GenerationRequest request, Tensor? initialLatents, GenerationCallbacks callbacks,
        CancellationToken cancellationToken, Action<Tensor>? finalLatents = null)
    {
        using var mode = inference_mode();
        using var scope = NewDisposeScope();
        var sampled = Sample(request, initialLatents, callbacks, cancellationToken);
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
        return new GenerationResult(images, new StageTimings(sampled.Encode, sampled.Denoise, decode, encodePng));
    }

    /// <summary>Runs everything up to the final latents (float32 [n,4,h,w]). <paramref name="initialLatents"/>
    /// replaces the seeded noise, as diffusers' <c>latents=</c> argument does.</summary>
    public SampleResult Sample(GenerationRequest request, Tensor? initialLatents, GenerationCallbacks callbacks, CancellationToken cancellationToken)
    {
        Validate(request);
        cancellationToken.ThrowIfCancellationRequested();
        using var mode = inference_mode();
        var guided = request.GuidanceScale > 1;
        var watch = Stopwatch.StartNew();
        var condition = EncodeCondition(request, guided);
        var encode = watch.Elapsed;

        watch.Restart();
        var generators = SeededGenerators.Create(request.Seed, request.Count);
        var latents = initialLatents is null
            ? Backbone.InitialLatents(generators, request.Width, request.Height)
            : CheckLatents(initialLatents, request);
        using var scheduler = Backbone.CreateScheduler(request.Scheduler, request.Steps);
        var final = Backbone.Denoise(latents, condition, request.GuidanceScale, scheduler, generators, callbacks, cancellationToken,
            PreviewHook(request, callbacks));
        return new SampleResult(final, encode, watch.Elapsed);
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

    public virtual void Dispose() => Backbone.Dispose();
}

/// <summary>Final latents with the time spent encoding the prompt and denoising.</summary>
public sealed record SampleResult(Tensor Latents, TimeSpan Encode, TimeSpan Denoise);

using KosmosG.Adapters;
using KosmosG.Imaging;
using KosmosG.Models.Kosmos;
using KosmosG.Tokenizers;
using KosmosG.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Pipelines;

/// <summary>
/// KOSMOS-G: the interleaved prompt goes through the vision tower, connector, MLLM and AlignerNet to a 77-token
/// condition for the frozen SD U-Net. The unconditional branch is the same model on "&lt;s&gt;" (or "&lt;s&gt; negative"),
/// never CLIP of an empty string; for the empty negative prompt it is computed once per loaded model.
/// </summary>
public sealed class KosmosGPipeline : DiffusionPipeline
{
    readonly KosmosGModel _model;
    readonly KosmosGPromptBuilder _prompts;
    readonly ClipImagePreprocessor _preprocessor;
    Tensor? _emptyUncond;

    KosmosGPipeline(DiffusionBackbone backbone, AdapterLibrary adapters, KosmosGModel model, KosmosGPromptBuilder prompts,
        ClipImagePreprocessor preprocessor, GeneratorInfo info) : base(backbone, adapters)
    {
        _model = model;
        _prompts = prompts;
        _preprocessor = preprocessor;
        Info = info;
    }

    public override GeneratorInfo Info { get; }
    public KosmosGModel Model => _model;

    /// <param name="adapters">Where requests' LoRAs and ControlNets are found (the model folder's loras/ and controlnets/ always).</param>
    /// <param name="decoder">A single-file SD v1.x checkpoint (a fine-tuned decoder) to draw with instead of the folder's sd/.</param>
    /// <param name="decoderConfig">The diffusers config folder describing <paramref name="decoder"/>'s architecture.</param>
    public static KosmosGPipeline Load(string modelDir, ComputeOptions compute, int maxImages = KosmosGModelFolder.DefaultMaxImages,
        AdapterOptions? adapters = null, string? decoder = null, string? decoderConfig = null)
    {
        var folder = KosmosGModelFolder.Open(modelDir);
        var config = KosmosGConfig.Load(folder.ConfigPath);
        var model = KosmosGModel.Load(config, folder.WeightsPath, dtype: compute.DType, device: compute.Device);
        var prompts = folder.PromptBuilder(config, maxImages);
        var preprocessor = config.Vision.CreatePreprocessor();
        var backbone = decoder is null
            ? DiffusionBackbone.Load(DiffusersFolder.Open(folder.StableDiffusionDir), compute)
            : DiffusionBackbone.LoadSingleFile(decoder, decoderConfig ?? folder.StableDiffusionDir, compute);
        var size = backbone.DefaultImageSize;
        var info = new GeneratorInfo(Path.GetFileName(Path.GetFullPath(modelDir).TrimEnd('/')), "kosmos-g", Path.GetFullPath(modelDir),
            compute.Device.ToString(), compute.DTypeName, AcceptsImages: true, maxImages,
            GenerationConfigFile.Apply(modelDir, new GenerationDefaults(Steps: 20, GuidanceScale: 6, Scheduler: "dpms", size, size)),
            preprocessor.Size);
        var library = new AdapterLibrary(adapters ?? new AdapterOptions(), modelDir, compute, backbone.Unet.Config);
        return new KosmosGPipeline(backbone, library, model, prompts, preprocessor, info);
    }

    protected override Action<GenerationRequest> PromptCheck()
    {
        var prompts = _prompts; // the tokenizer only: immutable, safe on any thread
        return request =>
        {
            try
            {
                prompts.Build(request.Prompt, request.Images.Count);
                prompts.BuildNegative(request.NegativePrompt);
            }
            catch (PromptException e) { throw new GenerationRequestException(e.Field, e.Message); }
        };
    }

    /// <summary>The condition of one prompt with its images, [1, 77, W].</summary>
    public Tensor EncodePrompt(string prompt, IReadOnlyList<RgbImage> images)
    {
        var built = _prompts.Build(prompt, images.Count);
        var device = Backbone.Compute.Device;
        using var tokens = tensor(built.Tokens, [1, built.Tokens.Length], device: device);
        using var mask = tensor(built.ImageMask, [1, built.ImageMask.Length], device: device);
        using var pixels = images.Count == 0 ? null : _preprocessor.PreprocessBatch(images).to(Backbone.Compute.DType, device);
        return _model.EncodePrompt(tokens, mask, pixels);
    }

    /// <summary>The unconditional condition for a negative prompt, [1, 77, W]; cached for the empty one.</summary>
    public Tensor EncodeUnconditional(string negativePrompt)
    {
        if (negativePrompt.Length == 0 && _emptyUncond is not null) return _emptyUncond.alias();
        var tokens = _prompts.BuildNegative(negativePrompt).Tokens;
        using var ids = tensor(tokens, [1, tokens.Length], device: Backbone.Compute.Device);
        var uncond = _model.EncodePrompt(ids, null, null);
        if (negativePrompt.Length > 0) return uncond;
        _emptyUncond = uncond.DetachFromDisposeScope();
        return _emptyUncond.alias();
    }

    protected override Tensor EncodeCondition(GenerationRequest request, bool guided)
    {
        var cond = EncodePrompt(request.Prompt, request.Images);
        if (!guided) return cond.repeat(request.Count, 1, 1);
        var uncond = EncodeUnconditional(request.NegativePrompt);
        return CfgBatch.Build(uncond, cond, request.Count);
    }

    public override void Dispose()
    {
        _emptyUncond?.Dispose();
        _model.Dispose();
        base.Dispose();
    }
}

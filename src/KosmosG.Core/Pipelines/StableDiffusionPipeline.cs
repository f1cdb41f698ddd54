using KosmosG.Adapters;
using KosmosG.Models.Clip;
using KosmosG.Runtime;
using KosmosG.Tokenizers;
using KosmosG.Weights;
using KosmosG.Weights.SingleFile;
using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Pipelines;

/// <summary>
/// Stable Diffusion v1.5 text-to-image with its CLIP text encoder: the baseline KOSMOS-G is compared with,
/// matching diffusers' StableDiffusionPipeline (negative prompt, or "" as the unconditional text).
/// </summary>
public sealed class StableDiffusionPipeline : DiffusionPipeline
{
    readonly ClipTokenizer _tokenizer;
    readonly CLIPTextModel _textEncoder;

    StableDiffusionPipeline(DiffusionBackbone backbone, AdapterLibrary adapters, ClipTokenizer tokenizer, CLIPTextModel textEncoder, GeneratorInfo info)
        : base(backbone, adapters)
    {
        _tokenizer = tokenizer;
        _textEncoder = textEncoder;
        Info = info;
    }

    public override GeneratorInfo Info { get; }

    public static StableDiffusionPipeline Load(string folderPath, ComputeOptions compute, string? variant = null, AdapterOptions? adapters = null)
    {
        var folder = DiffusersFolder.Open(folderPath);
        var backbone = DiffusionBackbone.Load(folder, compute, variant);
        var tokenizer = ClipTokenizer.FromFolder(folder.ComponentDir("tokenizer"));
        var textEncoder = CLIPTextModel.Load(folder.ConfigPath("text_encoder"), folder.WeightsPath("text_encoder", variant), compute.Device, compute.DType);
        return Create(folderPath, folderPath, backbone, tokenizer, textEncoder, DefaultScheduler(folder.ClassName("scheduler")), compute, adapters);
    }

    /// <summary>
    /// A single-file SD v1.x checkpoint (original LDM keys, .safetensors or .ckpt): U-Net, VAE and CLIP text encoder
    /// (cond_stage_model.transformer.*) from the file, architecture and tokenizer from the diffusers config folder
    /// <paramref name="configDir"/> (unet/, vae/, text_encoder/, scheduler/ configs and tokenizer/ files).
    /// </summary>
    public static StableDiffusionPipeline LoadSingleFile(string checkpointPath, string configDir, ComputeOptions compute, AdapterOptions? adapters = null)
    {
        var tokenizerDir = Path.Combine(configDir, "tokenizer");
        if (!File.Exists(Path.Combine(tokenizerDir, "vocab.json")))
            throw new FileNotFoundException($"model config folder '{configDir}' has no tokenizer/vocab.json: the Stable Diffusion baseline from a single file needs the CLIP tokenizer files there", tokenizerDir);
        var backbone = DiffusionBackbone.LoadSingleFile(checkpointPath, configDir, compute);
        var textConfig = CLIPTextConfig.Load(DiffusionBackbone.SingleFileConfig(configDir, "text_encoder", "config.json"));
        var textEncoder = TorchDefaults.Build(compute.DType, () => new CLIPTextModel(textConfig));
        textEncoder.to(compute.Device, compute.DType);
        using (var file = SingleFileCheckpoint.Open(checkpointPath)) file.LoadInto(textEncoder, "cond_stage_model.transformer.", key => key);
        textEncoder.eval();
        var modelDir = Path.GetDirectoryName(Path.GetFullPath(checkpointPath))!;
        return Create(checkpointPath, modelDir, backbone, ClipTokenizer.FromFolder(tokenizerDir), textEncoder, "pndm", compute, adapters);
    }

    static StableDiffusionPipeline Create(string modelPath, string modelDir, DiffusionBackbone backbone, ClipTokenizer tokenizer,
        CLIPTextModel textEncoder, string scheduler, ComputeOptions compute, AdapterOptions? adapters)
    {
        var size = backbone.DefaultImageSize;
        var defaults = GenerationConfigFile.Apply(modelDir, new GenerationDefaults(50, 7.5, scheduler, size, size));
        var fullPath = Path.GetFullPath(modelPath).TrimEnd('/');
        var info = new GeneratorInfo(File.Exists(fullPath) ? Path.GetFileNameWithoutExtension(fullPath) : Path.GetFileName(fullPath), "stable-diffusion",
            fullPath, compute.Device.ToString(), compute.DTypeName, AcceptsImages: false, MaxImages: 0, defaults);
        var library = new AdapterLibrary(adapters ?? new AdapterOptions(), modelDir, compute, backbone.Unet.Config);
        return new StableDiffusionPipeline(backbone, library, tokenizer, textEncoder, info);
    }

    protected override nn.Module LoraTextEncoder => _textEncoder;

    public CLIPTextModel TextEncoder => _textEncoder;

    /// <summary>The scheduler the folder was saved with, by our name (SD v1.5 ships PNDM).</summary>
    static string DefaultScheduler(string? className) => className switch
    {
        "DPMSolverMultistepScheduler" => "dpms",
        "DDIMScheduler" => "ddim",
        "EulerDiscreteScheduler" => "euler",
        "EulerAncestralDiscreteScheduler" => "euler-a",
        _ => "pndm",
    };

    protected override Action<GenerationRequest> PromptCheck()
    {
        var name = Info.Name;
        return request =>
        {
            if (request.Images.Count > 0 || request.Prompt.Contains("<i>", StringComparison.Ordinal))
                throw new GenerationRequestException(request.Images.Count > 0 ? "images" : "prompt",
                    $"the loaded model '{name}' is the text-only Stable Diffusion baseline: prompts with <i> images need a KOSMOS-G model");
        };
    }

    protected override Tensor EncodeCondition(GenerationRequest request, bool guided)
    {
        var texts = guided ? new[] { request.NegativePrompt, request.Prompt } : new[] { request.Prompt };
        using var ids = _tokenizer.EncodeBatch(texts).to(Backbone.Compute.Device);
        using var embeddings = _textEncoder.forward(ids);
        // Rows [uncond, cond] -> [uncond x n; cond x n].
        return embeddings.repeat_interleave(request.Count, 0);
    }

    public override void Dispose()
    {
        _textEncoder.Dispose();
        base.Dispose();
    }
}

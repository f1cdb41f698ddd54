using KosmosG.Models.Clip;
using KosmosG.Tokenizers;
using KosmosG.Weights;
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

    StableDiffusionPipeline(DiffusionBackbone backbone, ClipTokenizer tokenizer, CLIPTextModel textEncoder, GeneratorInfo info)
        : base(backbone)
    {
        _tokenizer = tokenizer;
        _textEncoder = textEncoder;
        Info = info;
    }

    public override GeneratorInfo Info { get; }

    public static StableDiffusionPipeline Load(string folderPath, ComputeOptions compute, string? variant = null)
    {
        var folder = DiffusersFolder.Open(folderPath);
        var backbone = DiffusionBackbone.Load(folder, compute, variant);
        var tokenizer = ClipTokenizer.FromFolder(folder.ComponentDir("tokenizer"));
        var textEncoder = CLIPTextModel.Load(folder.ConfigPath("text_encoder"), folder.WeightsPath("text_encoder", variant), compute.Device, compute.DType);
        var size = backbone.DefaultImageSize;
        var defaults = GenerationConfigFile.Apply(folderPath, new GenerationDefaults(50, 7.5, DefaultScheduler(folder.ClassName("scheduler")), size, size));
        var info = new GeneratorInfo(Path.GetFileName(Path.GetFullPath(folderPath).TrimEnd('/')), "stable-diffusion",
            Path.GetFullPath(folderPath), compute.Device.ToString(), compute.DTypeName, AcceptsImages: false, MaxImages: 0, defaults);
        return new StableDiffusionPipeline(backbone, tokenizer, textEncoder, info);
    }

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

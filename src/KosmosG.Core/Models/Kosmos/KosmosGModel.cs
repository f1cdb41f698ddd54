using KosmosG.Runtime;
using KosmosG.Weights;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KosmosG.Models.Kosmos;

/// <summary>
/// KOSMOS-G without the diffusion parts: vision tower (<c>img_model</c>), connector (<c>img_connector</c>), MLLM
/// (<c>gpt_model</c>) and AlignerNet (<c>aligner</c>: encoder M, or the stage-2 M+N). Field names mirror the official
/// state dict so a converted checkpoint loads in one strict call. Methods follow the official
/// <c>encode_condition</c>; they run on the parameters' device and dtype (inputs are moved there) and leave
/// gradient mode to the caller.
/// </summary>
public sealed class KosmosGModel : Module
{
    /// <summary>fairseq Dictionary always reserves &lt;s&gt; = 0; the unconditional prompt is [[0]].</summary>
    public const long BosTokenId = 0;

    public readonly ClipVisualOnly img_model;
    public readonly XConnector img_connector;
    public readonly GptModel gpt_model;
    public readonly AlignerEncoder aligner;

    public KosmosGConfig Config { get; }

    public KosmosGModel(KosmosGConfig config, bool withAlignerDecoder = false) : base(nameof(KosmosGModel))
    {
        config.Validate();
        Config = config;
        img_model = new ClipVisualOnly(config.Vision);
        img_connector = new XConnector(config);
        gpt_model = new GptModel(config);
        aligner = withAlignerDecoder
            ? new Aligner(config.Aligner, config.DecoderEmbedDim)
            : new AlignerEncoder(config.Aligner, config.DecoderEmbedDim);
        RegisterComponents();
    }

    /// <summary>
    /// Builds the model and loads a converted official checkpoint (safetensors, F32/F16/BF16) strictly, skipping
    /// only keys documented as unused (see <see cref="IsUnusedCheckpointKey"/>). With
    /// <paramref name="withAlignerDecoder"/> the stage-2 decoder N is built and must be present.
    /// </summary>
    public static KosmosGModel Load(KosmosGConfig config, string weightsPath, bool withAlignerDecoder = false,
        ScalarType? dtype = null, Device? device = null)
    {
        var model = TorchDefaults.Build(dtype, () => new KosmosGModel(config, withAlignerDecoder));
        if (device is not null) model.to(device);
        StateDictLoader.Load(model, weightsPath, ignore: key => IsUnusedCheckpointKey(key, withAlignerDecoder));
        model.eval();
        return model;
    }

    /// <summary>
    /// Why a checkpoint key is not loaded by this model, or null when it is: fairseq's <c>_float_tensor</c> dtype
    /// tracker, the never-applied SoPE buffer, the tied output projection (a copy of embed_tokens), the frozen
    /// stage-2 CLIP text encoder, the stage-2 decoder N unless requested, and the SD U-Net/VAE that a full checkpoint
    /// also holds (loaded by the diffusion components themselves).
    /// </summary>
    public static string? UnusedCheckpointKeyReason(string key, bool withAlignerDecoder) => key switch
    {
        "gpt_model.decoder.embed_positions._float_tensor" => "fairseq dtype tracker of the sinusoidal positions (no data)",
        "gpt_model.decoder.self_attn_sope.scale" => "SoPE buffer built by --sope-rel-pos but never applied",
        "gpt_model.decoder.output_projection.weight" => "output projection tied to embed_tokens (LM logits, unused for generation)",
        _ when key.StartsWith("aligner.clip_encoder.", StringComparison.Ordinal) => "frozen SD CLIP text encoder, the stage-2 training target",
        _ when key.StartsWith("diffusion_unet.", StringComparison.Ordinal) || key.StartsWith("vae.", StringComparison.Ordinal)
            => "SD U-Net/VAE, taken from the paired Stable Diffusion folder",
        _ when !withAlignerDecoder && (key == "aligner.decoder_query" || key.StartsWith("aligner.decoder.", StringComparison.Ordinal)
                                       || key.StartsWith("aligner.decoder_proj.", StringComparison.Ordinal))
            => "AlignerNet decoder N, used only by the stage-2 reconstruction loss",
        _ => null,
    };

    public static bool IsUnusedCheckpointKey(string key, bool withAlignerDecoder) => UnusedCheckpointKeyReason(key, withAlignerDecoder) is not null;

    Tensor Anchor => gpt_model.decoder.embed_tokens.weight!;

    /// <summary>Vision tower + connector: [N, 3, S, S] pixels -> [N·Q, D] image embeddings, image-major.</summary>
    public Tensor EncodeImages(Tensor pixelValues)
    {
        using var scope = NewDisposeScope();
        var pixels = pixelValues.to(Anchor.dtype, Anchor.device);
        return img_connector.call(img_model.call(pixels)).MoveToOuterDisposeScope();
    }

    /// <summary>MLLM final hidden states [B, T, D] for tokens with (optionally) image embeddings in the masked slots.</summary>
    public Tensor MllmHidden(Tensor srcTokens, Tensor? imageMask = null, Tensor? imageFeatures = null)
    {
        using var scope = NewDisposeScope();
        return gpt_model.decoder.forward(srcTokens, imageMask, imageFeatures).MoveToOuterDisposeScope();
    }

    /// <summary>AlignerNet M on MLLM hidden states; positions whose token is &lt;pad&gt; are masked. -> [B, Q, W]</summary>
    public Tensor Align(Tensor hidden, Tensor srcTokens)
    {
        if (hidden.dim() != 3 || srcTokens.dim() != 2 || hidden.shape[0] != srcTokens.shape[0] || hidden.shape[1] != srcTokens.shape[1])
            throw new ArgumentException(
                $"hidden states [{string.Join(", ", hidden.shape)}] must be [B, T, D] for tokens [{string.Join(", ", srcTokens.shape)}]", nameof(hidden));
        using var scope = NewDisposeScope();
        var padMask = srcTokens.to(Anchor.device).eq(Config.PaddingIdx);
        return aligner.forward(hidden.to(Anchor.dtype, Anchor.device), padMask).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Condition of B prompts: images -> connector -> MLLM -> AlignerNet, [B, Q, W]. <paramref name="pixelValues"/>
    /// holds every image of the batch in mask order (Q mask slots per image); null for text-only prompts.
    /// </summary>
    public Tensor EncodePrompt(Tensor srcTokens, Tensor? imageMask, Tensor? pixelValues)
    {
        using var scope = NewDisposeScope();
        return Align(PromptHidden(srcTokens, imageMask, pixelValues), srcTokens).MoveToOuterDisposeScope();
    }

    Tensor PromptHidden(Tensor srcTokens, Tensor? imageMask, Tensor? pixelValues)
    {
        var slots = imageMask is null ? 0 : imageMask.to(ScalarType.Bool).sum().item<long>();
        var images = pixelValues?.shape[0] ?? 0;
        if (slots != images * Config.LatentQueryNum)
            throw new ArgumentException(
                $"the image mask marks {slots} slots but {images} image(s) fill {images * Config.LatentQueryNum} (latent_query_num {Config.LatentQueryNum} each)",
                nameof(imageMask));
        var features = pixelValues is null ? null : EncodeImages(pixelValues);
        return gpt_model.decoder.forward(srcTokens, features is null ? null : imageMask, features);
    }

    /// <summary>
    /// Unconditional embedding [1, Q, W]: MLLM + AlignerNet on [&lt;s&gt;], or on the negative-prompt tokens
    /// ([&lt;s&gt;] + ids, shape [1, Tn]) when they are longer (official max by length; ties keep [&lt;s&gt;]).
    /// </summary>
    public Tensor EncodeUnconditional(Tensor? negativeTokens = null)
    {
        using var scope = NewDisposeScope();
        var tokens = UnconditionalTokens(negativeTokens);
        return Align(gpt_model.decoder.forward(tokens), tokens).MoveToOuterDisposeScope();
    }

    Tensor UnconditionalTokens(Tensor? negativeTokens)
    {
        if (negativeTokens is not null && (negativeTokens.dim() != 2 || negativeTokens.shape[0] != 1))
            throw new ArgumentException($"negative tokens must be [1, Tn]; got [{string.Join(", ", negativeTokens.shape)}]", nameof(negativeTokens));
        return negativeTokens is not null && negativeTokens.shape[1] > 1
            ? negativeTokens
            : tensor(new[] { BosTokenId }, device: Anchor.device).reshape(1, 1);
    }

    /// <summary>
    /// The official encode_condition: the CFG batch [uncond × B·n; cond repeated n times], [2·B·n, Q, W]. The MLLM is
    /// causal and position-wise, so when the unconditional tokens (&lt;s&gt; without a negative prompt) open a prompt row
    /// with no image slot among them, that row's first hidden states are the unconditional branch's: only the AlignerNet
    /// runs again. This saves the separate single-token MLLM pass (24 matrix-vector layers at kosmosg_xl, ~6% of the
    /// encode's CPU time, memory-bound on reading the weights).
    /// </summary>
    public Tensor EncodeCondition(Tensor srcTokens, Tensor? imageMask, Tensor? pixelValues, Tensor? negativeTokens, int imagesPerPrompt)
    {
        using var scope = NewDisposeScope();
        var hidden = PromptHidden(srcTokens, imageMask, pixelValues);
        var cond = Align(hidden, srcTokens);
        var unconditionalTokens = UnconditionalTokens(negativeTokens);
        var unconditionalHidden = SharedPrefix(hidden, srcTokens, imageMask, unconditionalTokens) ?? gpt_model.decoder.forward(unconditionalTokens);
        var uncond = Align(unconditionalHidden, unconditionalTokens);
        return CfgBatch.Build(uncond, cond, imagesPerPrompt).MoveToOuterDisposeScope();
    }

    /// <summary>hidden[r, :n] of the first prompt row r that starts with <paramref name="prefix"/> [1, n] and has no image slot there.</summary>
    static Tensor? SharedPrefix(Tensor hidden, Tensor srcTokens, Tensor? imageMask, Tensor prefix)
    {
        var n = prefix.shape[1];
        if (n > srcTokens.shape[1]) return null;
        using var scope = NewDisposeScope();
        var opening = srcTokens.narrow(1, 0, n).to(prefix.device).eq(prefix).all(1);
        if (imageMask is not null) opening = opening.logical_and(imageMask.narrow(1, 0, n).to(ScalarType.Bool).to(prefix.device).any(1).logical_not());
        var rows = opening.nonzero();
        if (rows.shape[0] == 0) return null;
        return hidden.narrow(0, rows[0, 0].item<long>(), 1).narrow(1, 0, n).MoveToOuterDisposeScope();
    }
}

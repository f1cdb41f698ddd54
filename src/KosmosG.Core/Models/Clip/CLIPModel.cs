using KosmosG.Models.Diffusion;
using KosmosG.Runtime;
using KosmosG.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Clip;

/// <summary>
/// transformers' CLIPModel without the contrastive head: text and vision transformers with their bias-free projections
/// into the shared space (get_text_features / get_image_features, NOT normalised). Parameter names follow the checkpoint
/// keys (text_model.*, vision_model.*, visual_projection.weight, text_projection.weight).
/// </summary>
public sealed class CLIPModel : nn.Module
{
    public const string WeightsFile = "model.safetensors";
    public const string ConfigFile = "config.json";

    readonly CLIPTextTransformer text_model;
    readonly CLIPVisionTransformer vision_model;
    readonly Linear visual_projection;
    readonly Linear text_projection;

    public CLIPTextConfig TextConfig { get; }
    public CLIPVisionConfig VisionConfig { get; }
    public int ProjectionDim { get; }

    public CLIPModel(CLIPTextConfig textConfig, CLIPVisionConfig visionConfig, int projectionDim) : base(nameof(CLIPModel))
    {
        textConfig.Validate();
        visionConfig.Validate();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(projectionDim);
        (TextConfig, VisionConfig, ProjectionDim) = (textConfig, visionConfig, projectionDim);
        text_model = new CLIPTextTransformer(textConfig);
        vision_model = new CLIPVisionTransformer(visionConfig);
        visual_projection = nn.Linear(visionConfig.HiddenSize, projectionDim, hasBias: false);
        text_projection = nn.Linear(textConfig.HiddenSize, projectionDim, hasBias: false);
        RegisterComponents();
    }

    /// <summary>Loads a Hugging Face CLIPModel folder (config.json + model.safetensors) strictly; the legacy position_ids
    /// buffers and logit_scale (only the contrastive loss uses it) are skipped.</summary>
    public static CLIPModel Load(string folder, Device? device = null, ScalarType? dtype = null)
    {
        var configPath = Path.Combine(folder, ConfigFile);
        var weightsPath = Path.Combine(folder, WeightsFile);
        if (!File.Exists(configPath)) throw new FileNotFoundException($"CLIP folder '{folder}' has no {ConfigFile}", configPath);
        if (!File.Exists(weightsPath)) throw new FileNotFoundException($"CLIP folder '{folder}' has no {WeightsFile} (re-save .bin weights with safe_serialization=True)", weightsPath);
        var projection = DiffusersConfigReader.Load(configPath).Int("projection_dim", 512);
        var model = TorchDefaults.Build(dtype, () => new CLIPModel(CLIPTextConfig.Load(configPath), CLIPVisionConfig.Load(configPath), projection));
        model.to(device ?? CPU, dtype ?? ScalarType.Float32);
        StateDictLoader.Load(model, weightsPath, ignore: key => key is "logit_scale" || key.EndsWith(".embeddings.position_ids", StringComparison.Ordinal));
        model.eval();
        return model;
    }

    /// <summary>Vision last_hidden_state (no post_layernorm) and pooled output (post_layernorm of the class token).</summary>
    public (Tensor LastHiddenState, Tensor Pooled) VisionForward(Tensor pixelValues) => vision_model.forward(pixelValues);

    /// <summary>visual_projection(pooled): [B, projection_dim].</summary>
    public Tensor GetImageFeatures(Tensor pixelValues)
    {
        using var scope = NewDisposeScope();
        var (_, pooled) = vision_model.forward(pixelValues);
        return visual_projection.forward(pooled).MoveToOuterDisposeScope();
    }

    /// <summary>Text last_hidden_state after final_layer_norm, [B, T, hidden].</summary>
    public Tensor TextForward(Tensor inputIds) => text_model.forward(inputIds);

    /// <summary>
    /// text_projection of the row at argmax(input_ids): with the legacy eos_token_id 2 of the OpenAI configs transformers
    /// pools there, the first &lt;|endoftext|&gt; (the largest id). Padding after it needs no attention mask: the causal mask
    /// already hides every later position from that row.
    /// </summary>
    public Tensor GetTextFeatures(Tensor inputIds)
    {
        if (inputIds.dim() != 2 || inputIds.dtype != ScalarType.Int64)
            throw new ArgumentException($"input_ids must be int64 [batch, tokens], got {inputIds.dtype} [{string.Join(",", inputIds.shape)}]", nameof(inputIds));
        if (inputIds.shape[1] > TextConfig.MaxPositionEmbeddings)
            throw new ArgumentException($"{inputIds.shape[1]} tokens exceed max_position_embeddings {TextConfig.MaxPositionEmbeddings}", nameof(inputIds));
        using var scope = NewDisposeScope();
        var hidden = text_model.forward(inputIds);
        var rows = arange(inputIds.shape[0], ScalarType.Int64, inputIds.device);
        var pooled = hidden[rows, inputIds.argmax(-1)];
        return text_projection.forward(pooled).MoveToOuterDisposeScope();
    }
}

using KosmosG.Weights;
using static TorchSharp.torch;

namespace KosmosG.Models.Clip;

/// <summary>
/// transformers' CLIPTextModel as Stable Diffusion uses it: int64 ids [B, T] to last_hidden_state [B, T, hidden]
/// (after final_layer_norm) under the causal mask only - SD passes no attention mask. Parameter names follow the
/// checkpoint keys (text_model.embeddings.token_embedding.weight, text_model.encoder.layers.{i}.self_attn.q_proj...).
/// </summary>
public sealed class CLIPTextModel : nn.Module<Tensor, Tensor>
{
    // A buffer of positions 0..76 that transformers saved before making it non-persistent; positions are computed here.
    const string PositionIdsKey = "text_model.embeddings.position_ids";

    readonly CLIPTextTransformer text_model;

    public CLIPTextConfig Config { get; }

    public CLIPTextModel(CLIPTextConfig config) : base(nameof(CLIPTextModel))
    {
        config.Validate();
        Config = config;
        text_model = new CLIPTextTransformer(config);
        RegisterComponents();
    }

    /// <summary>Builds the model from config.json and loads a safetensors file strictly (every parameter present with
    /// its shape, no unknown keys; only the legacy position_ids buffer is skipped).</summary>
    public static CLIPTextModel Load(string configJsonPath, string weightsPath)
    {
        var model = new CLIPTextModel(CLIPTextConfig.Load(configJsonPath));
        StateDictLoader.Load(model, weightsPath, ignore: key => key == PositionIdsKey);
        model.eval();
        return model;
    }

    /// <param name="inputIds">int64 [B, T] on the model's device, T at most max_position_embeddings.</param>
    public override Tensor forward(Tensor inputIds)
    {
        if (inputIds.dim() != 2 || inputIds.dtype != ScalarType.Int64)
            throw new ArgumentException($"input_ids must be int64 [batch, tokens], got {inputIds.dtype} [{string.Join(",", inputIds.shape)}]", nameof(inputIds));
        if (inputIds.shape[1] > Config.MaxPositionEmbeddings)
            throw new ArgumentException($"{inputIds.shape[1]} tokens exceed max_position_embeddings {Config.MaxPositionEmbeddings}", nameof(inputIds));
        if (inputIds.numel() > 0 && (inputIds.min().item<long>() < 0 || inputIds.max().item<long>() >= Config.VocabSize))
            throw new ArgumentException($"input_ids must lie in [0, {Config.VocabSize}) (vocab_size)", nameof(inputIds));
        return text_model.forward(inputIds);
    }
}

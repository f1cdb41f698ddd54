using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Clip;

/// <summary>Embeddings, pre_layrnorm (sic, the checkpoint's name), full-attention encoder; the pooled output is
/// post_layernorm of the class token.</summary>
public sealed class CLIPVisionTransformer : nn.Module<Tensor, (Tensor LastHiddenState, Tensor Pooled)>
{
    readonly CLIPVisionEmbeddings embeddings;
    readonly LayerNorm pre_layrnorm;
    readonly CLIPEncoder encoder;
    readonly LayerNorm post_layernorm;

    public CLIPVisionTransformer(CLIPVisionConfig config) : base(nameof(CLIPVisionTransformer))
    {
        embeddings = new CLIPVisionEmbeddings(config);
        pre_layrnorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        encoder = new CLIPEncoder(config, causal: false);
        post_layernorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    /// <returns>last_hidden_state [B, 1 + grid^2, hidden] (encoder output, no post_layernorm) and pooled [B, hidden].</returns>
    public override (Tensor LastHiddenState, Tensor Pooled) forward(Tensor pixelValues)
    {
        using var scope = NewDisposeScope();
        var hidden = encoder.forward(pre_layrnorm.forward(embeddings.forward(pixelValues)));
        var pooled = post_layernorm.forward(hidden[.., 0]);
        return (hidden.MoveToOuterDisposeScope(), pooled.MoveToOuterDisposeScope());
    }
}

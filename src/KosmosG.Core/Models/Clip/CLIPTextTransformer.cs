using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KosmosG.Models.Clip;

/// <summary>Embeddings, causal encoder and final layer norm: input ids to last_hidden_state.</summary>
public sealed class CLIPTextTransformer : nn.Module<Tensor, Tensor>
{
    readonly CLIPTextEmbeddings embeddings;
    readonly CLIPEncoder encoder;
    readonly LayerNorm final_layer_norm;

    public CLIPTextTransformer(CLIPTextConfig config) : base(nameof(CLIPTextTransformer))
    {
        embeddings = new CLIPTextEmbeddings(config);
        encoder = new CLIPEncoder(config, causal: true);
        final_layer_norm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    public override Tensor forward(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        return final_layer_norm.forward(encoder.forward(embeddings.forward(inputIds))).MoveToOuterDisposeScope();
    }
}
